import CZlib
import SystemPackage

/// gzip (RFC 1952) for recording segments, through the zlib the package already links: a closed
/// segment is compressed file to file, and a compressed one is read back as a stream. Both work
/// in fixed 256 KiB chunks, so memory stays flat whatever the segment's size.
enum Gzip {
    static let chunk = 256 << 10

    /// Compresses the file `source` into a new file `target` (created, or truncated) with
    /// zlib's deflate at `level` in the gzip wrapper (windowBits 15 + 16). Throws the errno of
    /// the read or write that failed (`ENOSPC` on a full disk); `target` is then incomplete and
    /// the caller removes it.
    static func compressFile(_ source: String, to target: String, level: Int32) throws(Errno) {
        let input: FileDescriptor
        let output: FileDescriptor
        do {
            input = try FileDescriptor.open(FilePath(source), .readOnly, options: [.closeOnExec])
        } catch { throw error as? Errno ?? .ioError }
        defer { try? input.close() }
        do {
            output = try FileDescriptor.open(
                FilePath(target), .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: FilePermissions(rawValue: 0o644))
        } catch { throw error as? Errno ?? .ioError }
        defer { try? output.close() }

        var stream = z_stream()
        let started = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        precondition(started == Z_OK, "deflateInit2 failed: \(started)")
        defer { deflateEnd(&stream) }
        var inBuffer = [UInt8](repeating: 0, count: chunk)
        var outBuffer = [UInt8](repeating: 0, count: chunk)
        var finished = false
        while !finished {
            let n: Int
            do {
                n = try inBuffer.withUnsafeMutableBytes { try input.read(into: $0) }
            } catch { throw error as? Errno ?? .ioError }
            let flush = n == 0 ? Z_FINISH : Z_NO_FLUSH
            var status = Z_OK
            // Feed the chunk, then drain the output until deflate needs more input.
            try inBuffer.withUnsafeMutableBufferPointer { (inRaw) throws(Errno) in
                stream.next_in = inRaw.baseAddress
                stream.avail_in = uInt(n)
                repeat {
                    let have: Int = outBuffer.withUnsafeMutableBufferPointer { outRaw in
                        stream.next_out = outRaw.baseAddress
                        stream.avail_out = uInt(outRaw.count)
                        status = deflate(&stream, flush)
                        return outRaw.count - Int(stream.avail_out)
                    }
                    if have > 0 {
                        do {
                            _ = try outBuffer[0..<have].withUnsafeBytes { try output.writeAll($0) }
                        } catch { throw error as? Errno ?? .ioError }
                    }
                } while stream.avail_out == 0
            }
            finished = status == Z_STREAM_END
        }
    }
}

/// A gzip file read as the bytes it holds: inflates chunk by chunk from `fd` (and a
/// concatenation of gzip members as one stream, as `gzip -d` does). A file cut short is read up
/// to what it holds (`isTruncated` says so) rather than refused: a segment's writer can be killed
/// while compressing it, although the writer renames only complete files into place.
final class GzipReader {
    private let fd: FileDescriptor
    private var stream = z_stream()
    private var input = [UInt8](repeating: 0, count: Gzip.chunk)
    private var inputEnd = 0
    private var inputOffset = 0
    private var inputAtEOF = false
    private var ended = false
    /// The compressed stream ended before its end mark, or held bytes that are not gzip.
    private(set) var isTruncated = false
    /// The reason zlib gave for stopping early, when it did.
    private(set) var problem: String?

    init(fd: FileDescriptor) {
        self.fd = fd
        let started = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(started == Z_OK, "inflateInit2 failed: \(started)")
    }

    deinit { inflateEnd(&stream) }

    /// Fills `buffer` with inflated bytes; 0 at the end of the stream. Throws the errno of a
    /// failed `read(2)`.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        while !ended {
            if inputOffset == inputEnd {
                if inputAtEOF {
                    // The input ended inside a member: what it held has been handed out.
                    if stream.total_in > 0 || stream.avail_in > 0 { isTruncated = true }
                    ended = true
                    break
                }
                let n: Int
                do {
                    n = try input.withUnsafeMutableBytes { try fd.read(into: $0) }
                } catch { throw error as? Errno ?? .ioError }
                inputOffset = 0
                inputEnd = n
                if n == 0 {
                    inputAtEOF = true
                    continue
                }
            }
            var status = Z_OK
            let (consumed, produced) = input.withUnsafeMutableBufferPointer { inRaw in
                stream.next_in = inRaw.baseAddress! + inputOffset
                stream.avail_in = uInt(inputEnd - inputOffset)
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = uInt(buffer.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return (inputEnd - inputOffset - Int(stream.avail_in), buffer.count - Int(stream.avail_out))
            }
            inputOffset += consumed
            switch status {
            case Z_STREAM_END:
                // Another member may follow; a clean end otherwise.
                inflateReset(&stream)
                stream.total_in = 0
                if inputOffset == inputEnd && inputAtEOF { ended = true }
            case Z_OK, Z_BUF_ERROR:
                break
            default:
                isTruncated = true
                problem = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                ended = true
            }
            if produced > 0 { return produced }
        }
        return 0
    }
}
