/// The C program behind `KernelPathTests`: `paths SCENARIO DIR` makes one scenario's calls.
/// Kept as source here (a `.c` file in a Swift test target would make it a mixed-language target).
enum PathScenarios {
    static let source = #"""
        /*
         * The path-resolution scenarios of KernelPathTests: `paths SCENARIO DIR`. Each one makes the
         * calls the test then expects, exactly, as file events with absolute paths. Statically linked,
         * so the dynamic loader opens nothing and a chroot needs no libraries inside it. Exits 0 when
         * every setup step worked; a failed step exits 10 + its line's order, so a broken scenario fails
         * the test rather than passing on missing events.
         */
        #define _GNU_SOURCE
        #include <fcntl.h>
        #include <pthread.h>
        #include <sched.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/mount.h>
        #include <sys/socket.h>
        #include <sys/stat.h>
        #include <sys/syscall.h>
        #include <sys/un.h>
        #include <sys/wait.h>
        #include <unistd.h>

        static char dir[4096];

        #define MUST(x)                                                                                    \
            do {                                                                                           \
                if ((x) < 0) {                                                                             \
                    perror(#x);                                                                            \
                    exit(10);                                                                              \
                }                                                                                          \
            } while (0)

        static const char *at(const char *rel)
        {
            static char buf[4][8192];
            static int next;
            char *b = buf[next++ % 4];
            snprintf(b, sizeof buf[0], "%s/%s", dir, rel);
            return b;
        }

        /* chdir and fchdir, then relative opens that succeed and fail, with leading and inner "..". */
        static int cwd(void)
        {
            MUST(mkdir(at("a"), 0755));
            MUST(mkdir(at("b"), 0755));
            MUST(chdir(at("a")));
            close(open("f", O_CREAT | O_WRONLY, 0644));
            open("missing", O_RDONLY);
            int b = open(at("b"), O_RDONLY | O_DIRECTORY);
            MUST(b);
            MUST(fchdir(b));
            close(open("g", O_CREAT | O_WRONLY, 0644));
            close(open("../a/f", O_RDONLY));
            open("../a/nope", O_RDONLY);
            open("./x/../y", O_RDONLY);
            syscall(SYS_mkdir, "sub", 0755);
            syscall(SYS_unlink, "g");
            chdir("does-not-exist");
            return 0;
        }

        /* A dirfd opened, its directory renamed, then used: the fd's real path wins. */
        static int dirfd_renamed(void)
        {
            MUST(mkdir(at("a"), 0755));
            MUST(mkdir(at("b"), 0755));
            int a = open(at("a"), O_RDONLY | O_DIRECTORY);
            int b = open(at("b"), O_RDONLY | O_DIRECTORY);
            MUST(a);
            MUST(b);
            MUST(rename(at("a"), at("renamed")));
            close(openat(a, "f", O_CREAT | O_WRONLY, 0644));
            openat(a, "nope", O_RDONLY);
            syscall(SYS_mkdirat, a, "sub", 0755);
            syscall(SYS_renameat, a, "f", b, "f2");
            syscall(SYS_unlinkat, b, "f2", 0);
            syscall(SYS_unlinkat, a, "sub", AT_REMOVEDIR);
            return 0;
        }

        /* A symlinked working directory: the kernel's pwd is the link's target. */
        static int symlinked_cwd(void)
        {
            MUST(mkdir(at("real"), 0755));
            MUST(symlink(at("real"), at("link")));
            MUST(chdir(at("link")));
            close(open("f", O_CREAT | O_WRONLY, 0644));
            open("nope", O_RDONLY);
            return 0;
        }

        /* A dirfd whose directory is removed, then a working directory removed under the process. */
        static int deleted(void)
        {
            MUST(mkdir(at("gone"), 0755));
            int g = open(at("gone"), O_RDONLY | O_DIRECTORY);
            MUST(g);
            MUST(rmdir(at("gone")));
            openat(g, "x", O_CREAT | O_WRONLY, 0644);
            MUST(mkdir(at("gone2"), 0755));
            MUST(chdir(at("gone2")));
            MUST(rmdir(at("gone2")));
            open("y", O_CREAT | O_WRONLY, 0644);
            int f = open(at("file"), O_CREAT | O_WRONLY, 0644);
            MUST(f);
            MUST(unlink(at("file")));
            char self[64];
            snprintf(self, sizeof self, "/proc/self/fd/%d", f);
            close(open(self, O_RDONLY));
            return 0;
        }

        /* Deeper than OBS_PATH_MAX: 24 components of 200 bytes, entered one by one. */
        static int deep(void)
        {
            char name[201];
            memset(name, 'd', 200);
            name[200] = 0;
            MUST(chdir(dir));
            for (int i = 0; i < 24; i++) {
                MUST(mkdir(name, 0755));
                MUST(chdir(name));
            }
            close(open("leaf", O_CREAT | O_WRONLY, 0644));
            open("nope", O_RDONLY);
            return 0;
        }

        /* A chroot: paths as the process sees them; a dirfd from outside is outside its root. */
        static int chrooted(void)
        {
            MUST(mkdir(at("root"), 0755));
            MUST(mkdir(at("root/etc"), 0755));
            close(open(at("root/etc/name"), O_CREAT | O_WRONLY, 0644));
            int outside = open(dir, O_RDONLY | O_DIRECTORY);
            MUST(outside);
            MUST(chroot(at("root")));
            MUST(chdir("/"));
            close(open("/etc/name", O_RDONLY));
            close(open("etc/name", O_RDONLY));
            close(openat(outside, "out", O_CREAT | O_WRONLY, 0644));
            return 0;
        }

        static void *own_cwd(void *arg)
        {
            (void)arg;
            if (unshare(CLONE_FS) != 0 || chdir(at("t")) != 0)
                return (void *)1;
            close(open("tf", O_CREAT | O_WRONLY, 0644));
            return 0;
        }

        /* A thread with its own working directory (unshare(CLONE_FS)); the main thread keeps its own. */
        static int thread_cwd(void)
        {
            MUST(mkdir(at("t"), 0755));
            MUST(chdir(dir));
            pthread_t t;
            void *failed = 0;
            if (pthread_create(&t, 0, own_cwd, 0) != 0 || pthread_join(t, &failed) != 0 || failed)
                exit(11);
            close(open("mf", O_CREAT | O_WRONLY, 0644));
            return 0;
        }

        /* A tmpfs and a bind mount inside the path, in a mount namespace of the process's own. */
        static int mounts(void)
        {
            MUST(unshare(CLONE_NEWNS));
            MUST(mount(0, "/", 0, MS_REC | MS_PRIVATE, 0));
            MUST(mkdir(at("m"), 0755));
            MUST(mkdir(at("src"), 0755));
            MUST(mkdir(at("dst"), 0755));
            MUST(mount("obs-test", at("m"), "tmpfs", 0, 0));
            MUST(mount(at("src"), at("dst"), 0, MS_BIND, 0));
            close(open(at("m/f"), O_CREAT | O_WRONLY, 0644));
            close(open(at("dst/g"), O_CREAT | O_WRONLY, 0644));
            MUST(chdir(at("m")));
            close(open("h", O_CREAT | O_WRONLY, 0644));
            open("nope", O_RDONLY);
            return 0;
        }

        /* link, linkat, symlink, symlinkat: names created relative to the cwd and to a dirfd. */
        static int links(void)
        {
            MUST(mkdir(at("d"), 0755));
            MUST(chdir(dir));
            close(open("f", O_CREAT | O_WRONLY, 0644));
            int d = open(at("d"), O_RDONLY | O_DIRECTORY);
            MUST(d);
            syscall(SYS_link, "f", "hard");
            syscall(SYS_linkat, AT_FDCWD, "f", d, "hard2", 0);
            syscall(SYS_symlink, "../f", "soft");
            syscall(SYS_symlinkat, "f", d, "soft2");
            syscall(SYS_link, "absent", "x");
            return 0;
        }

        /* A unix socket bound and connected by a relative name; an accept asking for no address. */
        static int unix_socket(void)
        {
            MUST(chdir(dir));
            int s = socket(AF_UNIX, SOCK_STREAM, 0);
            MUST(s);
            struct sockaddr_un a = {.sun_family = AF_UNIX};
            strcpy(a.sun_path, "s.sock");
            MUST(bind(s, (struct sockaddr *)&a, sizeof a));
            MUST(listen(s, 1));
            int c = socket(AF_UNIX, SOCK_STREAM, 0);
            MUST(c);
            MUST(connect(c, (struct sockaddr *)&a, sizeof a));
            int n = accept(s, 0, 0);
            MUST(n);
            return 0;
        }

        /* execve of a relative binary and of a script, execveat with a dirfd (failing) and fexecve. */
        static int execs(char *self)
        {
            MUST(chdir(dir));
            int fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
            int d = open(dir, O_RDONLY | O_DIRECTORY);
            MUST(fd);
            MUST(d);
            char *argv[] = {"x", 0};
            char *envp[] = {0};
            syscall(SYS_execveat, d, "no-such-binary", argv, envp, 0);
            pid_t p = fork();
            if (p == 0) {
                syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
                _exit(20);
            }
            MUST(p);
            int status;
            waitpid(p, &status, 0);
            p = fork();
            if (p == 0) {
                execve("./script.sh", argv, envp);
                _exit(21);
            }
            MUST(p);
            waitpid(p, &status, 0);
            (void)self;
            return 0;
        }

        int main(int argc, char **argv)
        {
            if (argc < 3)
                return 2;
            snprintf(dir, sizeof dir, "%s", argv[2]);
            const char *s = argv[1];
            if (!strcmp(s, "cwd")) return cwd();
            if (!strcmp(s, "dirfd")) return dirfd_renamed();
            if (!strcmp(s, "symlinked-cwd")) return symlinked_cwd();
            if (!strcmp(s, "deleted")) return deleted();
            if (!strcmp(s, "deep")) return deep();
            if (!strcmp(s, "chroot")) return chrooted();
            if (!strcmp(s, "thread-cwd")) return thread_cwd();
            if (!strcmp(s, "mounts")) return mounts();
            if (!strcmp(s, "links")) return links();
            if (!strcmp(s, "unix")) return unix_socket();
            if (!strcmp(s, "execs")) return execs(argv[0]);
            return 3;
        }
        """#
}
