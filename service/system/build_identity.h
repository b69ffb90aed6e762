// What tells this build of aalayerd from any other: files it writes for its
// own next start (start records) are only taken back by the same build,
// since another may compose differently.
#pragma once

#include <string>

namespace aalayer::service {

// The executable's GNU build ID (the linker's hash of its contents), or,
// where the linker wrote none, a hash of the executable file itself.
std::string build_identity();

}  // namespace aalayer::service
