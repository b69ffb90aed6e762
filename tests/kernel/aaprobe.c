/* aaprobe: tiny static helper for tests/kernel/vm.sh, run inside the guest.
 *
 *   aaprobe OP PATH        perform one file operation and report how it went:
 *                          prints "allowed", "denied <step> <ERRNO>" (EACCES/EPERM)
 *                          or "error <step> <ERRNO|detail>"; exits 0, 2 or 3.
 *                          OP: read write append exec mkdir lock wlock unlink;
 *                          userns (unshare(CLONE_NEWUSER), PATH unused);
 *                          label (prints "label <this process's /proc/self/attr/current>";
 *                          needs the profile to allow reading it).
 *   aaprobe serve          long-running form: print "ready PID", then read "OP PATH" lines
 *                          from stdin, answer each with one line on stdout (as above), in this
 *                          same process, until EOF. Extra op execlabel PATH: execve PATH as
 *                          "aaprobe hold", which prints "hold PID" and waits; the server then
 *                          waits for one more input line (the release) before reaping it.
 *   aaprobe --as UID[:GID] PROG ARGS...
 *                          drop supplementary groups, setgid(GID, default UID),
 *                          setuid(UID), exec PROG (used for the AS directive).
 *   any other name / no arguments: exit 0 (vm.sh copies this binary as the
 *                          target of the EXE directive, so exec checks have a
 *                          real, interpreter-free executable to run).
 *
 * Built with `cc -static -O2` by vm.sh on the host; needs only libc.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char* errname(int e) {
    switch (e) {
        case EACCES: return "EACCES";
        case EPERM: return "EPERM";
        case ENOENT: return "ENOENT";
        case EEXIST: return "EEXIST";
        case EISDIR: return "EISDIR";
        case ENOTDIR: return "ENOTDIR";
        case ENOEXEC: return "ENOEXEC";
        case EINVAL: return "EINVAL";
        case EROFS: return "EROFS";
        case ENOTEMPTY: return "ENOTEMPTY";
        case ETXTBSY: return "ETXTBSY";
        default: return strerror(e);
    }
}

static int report(const char* step, int e) {
    if (e == EACCES || e == EPERM) {
        printf("denied %s %s\n", step, errname(e));
        return 2;
    }
    printf("error %s %s\n", step, errname(e));
    return 3;
}

static int allowed(void) {
    puts("allowed");
    return 0;
}

static int do_write(const char* path, int flags) {
    int fd = open(path, O_WRONLY | flags, 0666);
    if (fd < 0) return report("open", errno);
    if (write(fd, "x\n", 2) != 2) return report("write", errno);
    if (close(fd) != 0) return report("close", errno);
    return allowed();
}

static int do_read(const char* path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return report("open", errno);
    struct stat st;
    if (fstat(fd, &st) != 0) return report("fstat", errno);
    if (S_ISDIR(st.st_mode)) {
        DIR* d = fdopendir(fd);
        if (!d) return report("fdopendir", errno);
        errno = 0;
        while (readdir(d)) {
        }
        if (errno) return report("readdir", errno);
        closedir(d);
        return allowed();
    }
    char buf[256];
    if (read(fd, buf, sizeof buf) < 0) return report("read", errno);
    close(fd);
    return allowed();
}

/* execlabel: run PATH as "aaprobe hold"; the new program prints "hold PID" and waits until the
 * caller's next input line, so that an unconfined observer can read /proc/PID/attr/current (a
 * confined process may not read it itself). Only meaningful under `serve`. */
static int do_exec(const char* path, int as_label) {
    int hold[2] = {-1, -1};
    if (as_label && pipe(hold) != 0) return report("pipe", errno);
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) return report("pipe", errno);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return report("fork", errno);
    if (pid == 0) {
        close(pfd[0]);
        char* argv[] = {(char*)path, NULL, NULL};
        if (as_label) {
            argv[0] = (char*)"aaprobe";
            argv[1] = (char*)"hold";
            dup2(hold[0], 0);
            close(hold[0]);
            close(hold[1]);
        }
        char* envp[] = {NULL};
        execve(path, argv, envp);
        int e = errno;
        if (write(pfd[1], &e, sizeof e) != sizeof e) _exit(127);
        _exit(127);
    }
    close(pfd[1]);
    if (as_label) close(hold[0]);
    int e = 0;
    ssize_t n = read(pfd[0], &e, sizeof e);
    close(pfd[0]);
    if (as_label) {
        if (n != (ssize_t)sizeof e) { /* exec'd: the child said "hold PID"; wait for the release */
            char buf[256];
            if (!fgets(buf, sizeof buf, stdin)) {
            }
        }
        close(hold[1]);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return report("waitpid", errno);
    if (n == (ssize_t)sizeof e) return report("execve", e);
    if (as_label) return 0; /* the child printed its line */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return allowed();
    if (WIFEXITED(status))
        printf("error child exit=%d\n", WEXITSTATUS(status));
    else
        printf("error child signal=%d\n", WTERMSIG(status));
    return 3;
}

/* AppArmor: a shared lock needs k (plus r to open); an exclusive one needs w and k. */
static int do_lock(const char* path, int exclusive) {
    int fd = open(path, exclusive ? O_WRONLY : O_RDONLY);
    if (fd < 0) return report("open", errno);
    if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) return report("flock", errno);
    close(fd);
    return allowed();
}

static int do_as(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "aaprobe: usage: --as UID[:GID] PROG ARGS...\n");
        return 3;
    }
    char* end = NULL;
    unsigned long uid = strtoul(argv[2], &end, 10), gid = uid;
    if (*end == ':') gid = strtoul(end + 1, &end, 10);
    if (*end != '\0') {
        fprintf(stderr, "aaprobe: bad uid '%s'\n", argv[2]);
        return 3;
    }
    if (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0 || setuid((uid_t)uid) != 0) {
        printf("error setuid %s\n", errname(errno));
        return 3;
    }
    execv(argv[3], argv + 3);
    printf("error exec-%s %s\n", argv[3], errname(errno));
    return 3;
}

static int do_label(void) {
    char buf[512];
    int fd = open("/proc/self/attr/current", O_RDONLY);
    if (fd < 0) return report("open-attr", errno);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) return report("read-attr", errno);
    close(fd);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
        n--;
    buf[n] = '\0';
    printf("label %s\n", buf);
    return 0;
}

static int run_op(const char* op, const char* path) {
    if (!strcmp(op, "read")) return do_read(path);
    if (!strcmp(op, "write")) return do_write(path, O_CREAT | O_TRUNC);
    if (!strcmp(op, "append")) return do_write(path, O_CREAT | O_APPEND);
    /* Open an existing file for appending, without O_CREAT, and write nothing: AppArmor asks
       for 'a' only. (A write(2) on it is then checked as a write, which needs 'w' too.) */
    if (!strcmp(op, "appendx")) {
        int fd = open(path, O_WRONLY | O_APPEND);
        if (fd < 0) return report("open", errno);
        close(fd);
        return allowed();
    }
    if (!strcmp(op, "exec")) return do_exec(path, 0);
    if (!strcmp(op, "execlabel")) return do_exec(path, 1);
    if (!strcmp(op, "mkdir")) return mkdir(path, 0777) == 0 ? allowed() : report("mkdir", errno);
    if (!strcmp(op, "lock")) return do_lock(path, 0);
    if (!strcmp(op, "wlock")) return do_lock(path, 1);
    if (!strcmp(op, "unlink")) return unlink(path) == 0 ? allowed() : report("unlink", errno);
    if (!strcmp(op, "label")) return do_label();
    if (!strcmp(op, "userns")) return unshare(CLONE_NEWUSER) == 0 ? allowed() : report("unshare", errno);
    printf("error unknown-op %s\n", op);
    return 3;
}

static int serve(void) {
    char line[4096], op[64];
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        char* path = malloc(sizeof line);
        if (!path || sscanf(line, "%63s %4095s", op, path) != 2) {
            printf("error bad-request\n");
        } else {
            run_op(op, path);
        }
        free(path);
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char** argv) {
    const char* self = strrchr(argv[0], '/');
    self = self ? self + 1 : argv[0];
    if (strcmp(self, "aaprobe") != 0 || argc < 2) return 0;
    if (strcmp(argv[1], "--as") == 0) return do_as(argc, argv);
    if (strcmp(argv[1], "serve") == 0) return serve();
    if (strcmp(argv[1], "hold") == 0) {
        char c;
        printf("hold %d\n", (int)getpid());
        fflush(stdout);
        while (read(0, &c, 1) > 0) {
        }
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "aaprobe: usage: aaprobe OP PATH\n");
        return 3;
    }
    return run_op(argv[1], argv[2]);
}
