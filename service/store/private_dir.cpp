#include "service/store/private_dir.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <sys/stat.h>

namespace aalayer::service {

std::optional<DirectoryError> make_private_directory(const std::string& dir) {
    namespace fs = std::filesystem;
    std::vector<fs::path> missing;
    std::error_code ec;
    for (fs::path p = fs::path(dir).lexically_normal(); !p.empty() && !fs::exists(p, ec);
         p = p.parent_path()) {
        missing.push_back(p);
        if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
            const int err = errno;
            return DirectoryError{"cannot create " + it->string() + ": " + std::strerror(err), err};
        }
        // mkdir's mode is masked by the umask, and 0700 is already all we want:
        // chmod states it all the same, for a directory someone made meanwhile.
        ::chmod(it->c_str(), 0700);
    }
    if (::chmod(dir.c_str(), 0700) != 0) {
        const int err = errno;
        return DirectoryError{"cannot make " + dir + " private: " + std::strerror(err), err};
    }
    return std::nullopt;
}

}  // namespace aalayer::service
