#!/usr/bin/env bash
# Installs, when missing, what building and testing swift-process-observer needs on Debian or
# Ubuntu (the Swift 6 toolchain itself is assumed). The one list of the project's dependencies:
# README's commands and .ci/run both call it. Idempotent, and silent when nothing is missing.
#
#   scripts/install-deps.sh          what `swift build` and `obsctl` need (libbpf and its pkg-config,
#                                    zlib, libcurl for the OTLP exporter's HTTP client, cc and libc.a
#                                    for the static spawn helper)
#   scripts/install-deps.sh --test   that, plus what `swift test` drives: strace (obsbench's peer
#                                    runs), python3 with jsonschema (the JSON Lines schema check and
#                                    workloads) and perfetto (perfetto_trace_pb2 decodes exported
#                                    traces), perl, cc and make (workloads, recorded builds), setpriv
#                                    and chrt (util-linux), chromium (the HTML report's browser tests),
#                                    opentelemetry-proto (the OTLP tests' receiver decodes with it),
#                                    GNU time (the peak RSS tests' reference figure)
set -euo pipefail

mode=build
case "${1:-}" in
"") ;;
--test) mode=test ;;
-h | --help)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*)
    echo "install-deps: unknown option '$1' (use --test, or nothing)" >&2
    exit 64
    ;;
esac

packages=(libbpf-dev libelf-dev zlib1g-dev pkg-config libcurl4 gcc libc6-dev)
if [ "$mode" = test ]; then
    packages+=(strace python3 python3-pip perl util-linux gcc libc6-dev make coreutils bash chromium time)
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

apt_updated=0
apt_install() {
    echo "install-deps: installing $*"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$apt_updated" = 0 ]; then
        "${sudo[@]}" apt-get update -qq
        apt_updated=1
    fi
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

# The schema check runs `python3` from PATH, which may be another Python than Debian's (pyenv):
# install jsonschema for that one. pip first (its warnings, such as running as root, do not fail
# this); Debian's own Python refuses pip installs (PEP 668), so then the python3-jsonschema package.
if [ "$mode" = test ] && ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "install-deps: installing python jsonschema for $(command -v python3)"
    PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 \
        python3 -m pip install -q jsonschema 2>/dev/null || apt_install python3-jsonschema
    if ! python3 -c 'import jsonschema' 2>/dev/null; then
        echo "install-deps: python3 ($(command -v python3)) still cannot import jsonschema;" \
            "install it for that interpreter (python3 -m pip install jsonschema)" >&2
        exit 1
    fi
fi

# The Perfetto export tests decode traces with Perfetto's own Python protos (perfetto_trace_pb2),
# which the PyPI package `perfetto` ships (Debian has no package of it); its protobuf dependency
# comes along. Only the protos are used: its trace processor would download a binary at run time.
if [ "$mode" = test ] && ! python3 -c 'from perfetto.protos.perfetto.trace import perfetto_trace_pb2' 2>/dev/null; then
    echo "install-deps: installing python perfetto for $(command -v python3)"
    PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install -q perfetto ||
        PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 \
            python3 -m pip install -q --break-system-packages perfetto
    if ! python3 -c 'from perfetto.protos.perfetto.trace import perfetto_trace_pb2' 2>/dev/null; then
        echo "install-deps: python3 ($(command -v python3)) still cannot import perfetto_trace_pb2;" \
            "install it for that interpreter (python3 -m pip install perfetto)" >&2
        exit 1
    fi
fi

# The OTLP tests' receiver decodes what obsctl sends with the official Python bindings of the
# OTLP protos (PyPI opentelemetry-proto), independent of the Swift encoder.
if [ "$mode" = test ] && ! python3 -c 'from opentelemetry.proto.collector.trace.v1 import trace_service_pb2' 2>/dev/null; then
    echo "install-deps: installing python opentelemetry-proto for $(command -v python3)"
    PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install -q opentelemetry-proto ||
        PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 \
            python3 -m pip install -q --break-system-packages opentelemetry-proto
    if ! python3 -c 'from opentelemetry.proto.collector.trace.v1 import trace_service_pb2' 2>/dev/null; then
        echo "install-deps: python3 ($(command -v python3)) still cannot import the OTLP protos;" \
            "install them for that interpreter (python3 -m pip install opentelemetry-proto)" >&2
        exit 1
    fi
fi
