// The ftrace contender's reader for obsbench: streams a tracefs trace_pipe to nowhere.
// Usage: tracepipe TRACE_PIPE MARKER RESULT_FILE
// Reads TRACE_PIPE (an instance's trace_pipe) in 64 KiB chunks, as a streaming consumer does, and
// counts the lines without formatting them further. The harness writes MARKER to the instance's
// trace_marker once the traced command has been reaped: the reader stops at the line holding it
// (so every event before it has been read), writes "LINES BYTES" (without the marker's line) to
// RESULT_FILE and exits 0. trace_pipe returns whole lines, so a marker never spans two reads.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: tracepipe TRACE_PIPE MARKER RESULT_FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "tracepipe: open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    const char *marker = argv[2];
    size_t marker_length = strlen(marker);
    static char buffer[65536];
    unsigned long long lines = 0, bytes = 0;
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            fprintf(stderr, "tracepipe: read: %s\n", strerror(errno));
            return 1;
        }
        if (n == 0) continue;
        char *end = buffer + n;
        char *found = memmem(buffer, (size_t)n, marker, marker_length);
        if (found) {
            // Count only the lines before the marker's own line.
            char *line_start = found;
            while (line_start > buffer && line_start[-1] != '\n') line_start--;
            end = line_start;
        }
        bytes += (unsigned long long)(end - buffer);
        for (char *p = buffer; p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) lines++;
        if (found) break;
    }
    FILE *result = fopen(argv[3], "w");
    if (!result || fprintf(result, "%llu %llu\n", lines, bytes) < 0 || fclose(result) != 0) {
        fprintf(stderr, "tracepipe: cannot write %s\n", argv[3]);
        return 1;
    }
    return 0;
}
