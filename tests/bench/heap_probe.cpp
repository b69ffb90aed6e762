// Preloaded into aalayerd by scale-bench only: writes the bytes malloc has
// handed out and not had back (mallinfo2: in arenas and in mmapped chunks)
// to $AALAYER_HEAP_PROBE every 100 ms, replaced whole. RSS moves by a few
// MiB with where the last allocations fell and what a trim returned; the
// heap in use does not, so the cost of an added user shows under it.
// On a thread of its own, as mallinfo2 takes the arenas' locks (never in a
// signal handler).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

namespace {

void write_heap(const std::string& path) {
    const struct mallinfo2 m = mallinfo2();
    char line[64];
    const int n = std::snprintf(line, sizeof line, "%zu\n", m.uordblks + m.hblkhd);
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    const bool whole = n > 0 && ::write(fd, line, static_cast<std::size_t>(n)) == n;
    ::close(fd);
    if (whole) std::rename(tmp.c_str(), path.c_str());
}

[[gnu::constructor]] void start_probe() {
    const char* path = std::getenv("AALAYER_HEAP_PROBE");
    if (path == nullptr || *path == '\0') return;
    std::thread([p = std::string(path)] {
        for (;;) {
            write_heap(p);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }).detach();
}

}  // namespace
