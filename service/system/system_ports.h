// The real user database and clock.
#pragma once

#include "service/core/ports.h"

namespace aalayer::service {

// `home` as the kernel will see it (symbolic links resolved), when that
// differs; empty when it does not or cannot be resolved.
std::string resolved_home(const std::string& home);

class PasswdUserDb final : public UserDb {
public:
    [[nodiscard]] std::optional<policy::UserIdentity> lookup(std::uint32_t uid) const override;
    [[nodiscard]] std::vector<std::uint32_t> people() const override;
    [[nodiscard]] bool is_person(std::uint32_t uid) const override;
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] std::uint64_t now_usec() const override;
};

}  // namespace aalayer::service
