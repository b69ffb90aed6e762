#include "policy/syntax/permissions.h"

namespace aalayer::policy {

namespace {

bool is_x(char c) {
    return c == 'x' || c == 'X';
}
bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}

struct ExecSpelling {
    ExecMode mode;
    std::string_view lower;  // spelling without case
};

constexpr ExecSpelling kExecSpellings[] = {
    {ExecMode::ProfileOrInherit, "pix"},
    {ExecMode::ChildOrInherit, "cix"},
    {ExecMode::ProfileOrUnconfined, "pux"},
    {ExecMode::ChildOrUnconfined, "cux"},
    {ExecMode::Inherit, "ix"},
    {ExecMode::Unconfined, "ux"},
    {ExecMode::Profile, "px"},
    {ExecMode::Child, "cx"},
    {ExecMode::Plain, "x"},
};

char lower(char c) {
    return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

// The permission letters, in the order they are written; upper: also
// accepted in upper case ('\0': not).
struct PermLetter {
    char lower;
    char upper;
    FilePerms::Bit bit;
};

constexpr PermLetter kPermLetters[] = {
    {'r', 'R', FilePerms::Read}, {'w', 'W', FilePerms::Write}, {'a', '\0', FilePerms::Append},
    {'l', 'L', FilePerms::Link}, {'k', '\0', FilePerms::Lock}, {'m', 'M', FilePerms::Mmap},
};

const PermLetter* find_perm_letter(char c) {
    for (const auto& letter : kPermLetters) {
        if (c == letter.lower || (letter.upper != '\0' && c == letter.upper)) return &letter;
    }
    return nullptr;
}

// The exec transition spelled at word[i]: the longest spelling that matches.
const ExecSpelling* find_exec_spelling(std::string_view word, std::size_t i) {
    for (const auto& spelling : kExecSpellings) {
        const auto n = spelling.lower.size();
        if (i + n > word.size()) continue;
        bool match = true;
        for (std::size_t k = 0; k < n && match; ++k)
            match = lower(word[i + k]) == spelling.lower[k];
        // Only the final x may be upper case as X; the qualifier letters
        // before it carry the environment-scrubbing (safe) meaning.
        if (match && n > 1 && !is_x(word[i + n - 1])) match = false;
        if (match) return &spelling;
    }
    return nullptr;
}

}  // namespace

bool looks_like_file_perms(std::string_view word) {
    if (word.empty()) return false;
    for (const char c : word) {
        if (std::string_view("rRwWaLlMmkXxiIuUpPcC").find(c) == std::string_view::npos) return false;
    }
    return true;
}

Result<FilePerms> parse_file_perms(std::string_view word, bool deny, const Location& where) {
    FilePerms perms;
    auto fail = [&](std::string message) {
        return make_error(ErrorKind::Invalid, where, std::move(message));
    };
    for (std::size_t i = 0; i < word.size();) {
        const char c = word[i];
        if (const auto* letter = find_perm_letter(c)) {
            perms.bits |= letter->bit;
            ++i;
            continue;
        }
        const ExecSpelling* found = find_exec_spelling(word, i);
        if (found == nullptr) {
            if (std::string_view("iIuUpPcC").find(c) != std::string_view::npos) {
                return fail(std::string("invalid permission '") + c +
                            "': an exec qualifier must be followed by 'x'");
            }
            return fail(std::string("invalid permission '") + c + "' in '" + std::string(word) +
                        "'; file permissions are r w a l k m and exec modes ix px cx ux pix cix pux cux");
        }
        const bool safe =
            found->mode != ExecMode::Plain && found->mode != ExecMode::Inherit && is_upper(word[i]);
        if (perms.exec != ExecMode::None && (perms.exec != found->mode || perms.exec_safe != safe)) {
            return fail(std::string("exec qualifier '") + word[i] +
                        "' conflicts with an exec mode given earlier in '" + std::string(word) + "'");
        }
        perms.exec = found->mode;
        perms.exec_safe = safe;
        i += found->lower.size();
    }
    if (perms.has(FilePerms::Write) && perms.has(FilePerms::Append)) {
        return fail("permissions 'w' and 'a' are mutually exclusive");
    }
    if (deny && perms.exec != ExecMode::None && perms.exec != ExecMode::Plain) {
        return fail("deny rules take a plain 'x', not an exec transition such as 'ix' or 'px'");
    }
    if (!deny && perms.exec == ExecMode::Plain) {
        return fail("'x' must be preceded by an exec qualifier ('i', 'p', 'c' or 'u'), e.g. 'ix'");
    }
    return perms;
}

std::string format_file_perms(const FilePerms& perms) {
    std::string out;
    for (const auto& letter : kPermLetters) {
        if (perms.has(letter.bit)) out += letter.lower;
    }
    std::string exec(exec_mode_spelling(perms.exec));
    if (!exec.empty() && perms.exec_safe) {
        // Px, Cx, Ux, Pix, Cix; the fallback forms are written PUx and CUx.
        exec[0] = static_cast<char>(exec[0] - 'a' + 'A');
        if (exec == "Pux" || exec == "Cux") exec[1] = 'U';
    }
    out += exec;
    return out;
}

std::string_view exec_mode_spelling(ExecMode mode) {
    for (const auto& spelling : kExecSpellings) {
        if (spelling.mode == mode) return spelling.lower;
    }
    return {};
}

}  // namespace aalayer::policy
