// The real user database and clock.
#pragma once

#include "service/core/ports.h"

namespace aalayer::service {

// `home` as the kernel will see it (symbolic links resolved), when that
// differs; empty when it does not or cannot be resolved.
std::string resolved_home(const std::string& home);

class PasswdUserDb final : public UserDb {
public:
    PasswdUserDb();
    [[nodiscard]] std::optional<policy::UserIdentity> lookup(std::uint32_t uid) const override;
    [[nodiscard]] std::vector<std::uint32_t> people() const override;
    [[nodiscard]] bool is_person(std::uint32_t uid) const override;

private:
    // UID_MIN and UID_MAX of login.defs, read once: is_person is asked on
    // every request of a caller who is no person (root, system users), and
    // reading the file each time cost more than the request (Explain).
    std::pair<std::uint32_t, std::uint32_t> people_;
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] std::uint64_t now_usec() const override;
};

}  // namespace aalayer::service
