// Profiles, hats and grant blocks: the head (name, attachment, xattrs,
// flags) and the block of items.
#include "policy/syntax/keywords.h"
#include "policy/syntax/parser_internal.h"

namespace aalayer::policy::detail {

Result<Node> Parser::parse_profile(std::size_t depth) {
    Profile p;
    AA_TRY(parse_profile_head(p));
    AA_TRY(parse_profile_flags(p));
    if (s_.peek() != '{') {
        return s_.error(ErrorKind::Syntax, "expected '{' to open the profile '" + p.name.text + "', found " +
                                               s_.describe_next());
    }
    AA_TRY(check_depth(depth));
    const Location opened = s_.here();
    s_.advance();
    AA_TRY(parse_items(p.items, Scope::Profile, opened, depth + 1, Qualifiers{}));
    return Node{Box<Profile>(std::move(p))};
}

// `^HAT`, `hat HAT`, `grant BASE` (grant files), `profile NAME [ATTACHMENT]` or `NAME [ATTACHMENT]`.
Status Parser::parse_profile_head(Profile& p) {
    const bool caret = s_.consume("^");
    p.hat = caret || s_.consume_keyword("hat");
    p.grant = !p.hat && dialect_ == Dialect::Grant && s_.consume_keyword("grant");
    p.keyword = (p.hat && !caret) || p.grant || (!p.hat && s_.consume_keyword("profile"));
    if (p.keyword) s_.skip_space();
    const std::string_view what = p.hat ? "hat name" : p.grant ? "base profile name" : "profile name";
    const Location at = s_.here();
    AA_ASSIGN(p.name, s_.read_word(WordStyle::Id, what));
    if (p.grant) return {};
    AA_TRY(check_profile_name(p.name.text, at));
    if (p.hat) return {};
    s_.skip_space();
    if (s_.at_label_start()) {
        AA_ASSIGN(p.attachment, s_.read_word(WordStyle::Id, "attachment"));
    }
    return {};
}

// A name with a namespace is `:NS:NAME` or `:NS://NAME`, and neither part is
// empty, as apparmor_parser's parse_label() wants.
Status Parser::check_profile_name(std::string_view name, const Location& at) const {
    if (!name.starts_with(':')) return {};
    const auto end = name.find(':', 1);
    if (end == std::string_view::npos) {
        return make_error(ErrorKind::Invalid, at,
                          "the namespace in '" + std::string(name) + "' is not closed: write ':NS:NAME'");
    }
    if (end == 1) return make_error(ErrorKind::Invalid, at, "empty namespace in '" + std::string(name) + "'");
    std::string_view rest = name.substr(end + 1);
    if (rest.starts_with("//")) rest.remove_prefix(2);
    if (rest.empty()) {
        return make_error(ErrorKind::Invalid, at,
                          "no profile name after the namespace in '" + std::string(name) + "'");
    }
    return {};
}

// `xattrs=( … )` and `flags=( … )` or `( … )`, in any order and number.
Status Parser::parse_profile_flags(Profile& p) {
    for (;;) {
        s_.skip_space();
        if (s_.looking_at_keyword("xattrs")) {
            s_.read_identifier();
            AA_TRY(expect_list_assignment("xattrs"));
            if (p.hat) return s_.error(ErrorKind::Invalid, "a hat cannot match xattrs");
            AA_ASSIGN(p.xattrs, parse_condition_list(true));
        } else if (s_.looking_at_keyword("flags") || s_.peek() == '(') {
            if (s_.consume_keyword("flags")) AA_TRY(expect_list_assignment("flags"));
            const Location at = s_.here();
            AA_ASSIGN(std::vector<Word> flags, parse_value_list());
            for (auto& f : flags) {
                if (!is_profile_flag(f.text)) {
                    return make_error(ErrorKind::Invalid, at, "unknown profile flag '" + f.text + "'");
                }
                p.flags.push_back(std::move(f.text));
            }
        } else {
            return {};
        }
    }
}

}  // namespace aalayer::policy::detail
