// swift-process-observer runs on Linux only: its spawn path needs pidfd_open, epoll, pipe2 and
// close_range, its kernel categories need eBPF, and its samples need /proc. Rather than build
// something that pretends otherwise, a build for another system stops here.
#if !os(Linux)
    #error("swift-process-observer needs Linux (pidfd, epoll, eBPF, /proc); it does not build on this system.")
#endif
