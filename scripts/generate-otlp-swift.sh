#!/usr/bin/env bash
# Regenerates Sources/OTLPExport/Generated/*.pb.swift from the OTLP protos beside them
# (opentelemetry-proto v1.9.0: common, resource, trace, logs, metrics and the three collector
# request/response messages). Run by hand when the protos change, and commit the result: the
# build never runs protoc (swift-protobuf's build plugin cost a first build 9.5 minutes here).
#
# Needs protoc (Debian: protobuf-compiler) and builds protoc-gen-swift from the swift-protobuf
# version Package.swift resolves (1.39.0), in a scratch directory.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.39.0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git clone -q --branch "$version" https://github.com/apple/swift-protobuf "$scratch/swift-protobuf"
swift build -c release --package-path "$scratch/swift-protobuf" --product protoc-gen-swift
cd Sources/OTLPExport/Generated
protoc --plugin=protoc-gen-swift="$scratch/swift-protobuf/.build/release/protoc-gen-swift" \
    --swift_opt=Visibility=Internal --swift_opt=FileNaming=PathToUnderscores --swift_out=. \
    $(find opentelemetry -name '*.proto' | sort)
