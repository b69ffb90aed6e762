#include "policy/engine/grant_check.h"

#include "policy/engine/compose.h"
#include "policy/load/include_resolver.h"
#include "policy/syntax/parser.h"

namespace aalayer::policy {

namespace {

// A profile file larger than this is not a base anyone wrote by hand.
constexpr std::size_t kMaxProfileFileBytes = 16U << 20U;
// The service's own limit for a layer's text (ServiceLimits::max_text_bytes).
constexpr std::size_t kMaxDefaultLayerBytes = 64U << 10U;

Finding as_finding(const Error& e) {
    return Finding{Severity::Error, e.where, e.message};
}

void read_defaults(const SourceReader& reader, GrantFileCheck& check) {
    const std::string dir = defaults_dir_of(check.path);
    if (reader.stat(dir) != EntryType::Directory) return;
    auto names = reader.list(dir);
    if (!names) {
        check.findings.push_back(as_finding(names.error()));
        return;
    }
    for (const auto& file : *names) {
        if (!file.ends_with(".layer") || file.front() == '.') continue;
        const std::string path = dir + "/" + file;
        const std::string name = file.substr(0, file.size() - 6);
        if (auto st = validate_layer_name(name); !st) {
            check.findings.push_back(
                Finding{Severity::Error, Location{path, 0, 0},
                        "not a usable default layer name: " + st.error().message + "; the file is ignored"});
            continue;
        }
        auto text = reader.read(path, kMaxDefaultLayerBytes);
        if (!text) {
            check.findings.push_back(Finding{Severity::Error, Location{path, 0, 0},
                                             text.error().message + "; this default layer is ignored"});
            continue;
        }
        check.defaults.push_back(DefaultLayerSource{name, path, std::move(*text)});
    }
}

}  // namespace

std::string defaults_dir_of(const std::string& grant_file) {
    const std::string stem =
        grant_file.ends_with(".conf") ? grant_file.substr(0, grant_file.size() - 5) : grant_file;
    return stem + ".defaults";
}

std::map<std::string, std::string> base_profiles_in(const SourceReader& reader, const std::string& dir,
                                                    const ParseLimits& limits,
                                                    std::map<std::string, std::string>* attachments) {
    std::map<std::string, std::string> bases;
    auto files = reader.list(dir);
    if (!files) return bases;
    for (const auto& name : *files) {
        const std::string path = dir + "/" + name;
        if (is_skipped_policy_entry(name) || reader.stat(path) != EntryType::File) continue;
        auto text = reader.read(path, kMaxProfileFileBytes);
        if (!text) continue;
        auto parsed = parse_document(*text, path, limits);
        if (!parsed) continue;
        for (const auto& item : parsed->document.items) {
            const auto* p = std::get_if<Box<Profile>>(&item.node);
            if (p == nullptr || (*p)->hat) continue;
            const std::string& base = (*p)->name.text;
            if (!bases.emplace(base, path).second || attachments == nullptr) continue;
            if ((*p)->attachment) {
                (*attachments)[base] = (*p)->attachment->text;
            } else {
                (*attachments)[base] = base.starts_with('/') ? base : "";
            }
        }
    }
    return bases;
}

std::vector<GrantFileCheck> check_grants_in(const SourceReader& reader, const Loader& grant_loader,
                                            const std::string& dir,
                                            const std::map<std::string, std::string>& bases,
                                            const std::string& profiles_dir, const PermissionLimits& limits) {
    std::vector<GrantFileCheck> out;
    auto files = reader.list(dir);
    if (!files) return out;
    std::map<std::string, std::string> granted;  // base -> the file that granted it first
    for (const auto& name : *files) {
        if (!name.ends_with(".conf") || name.front() == '.') continue;
        GrantFileCheck check;
        check.path = dir + "/" + name;
        auto loaded = grant_loader.load_file(check.path);
        auto grants = loaded ? read_grants(*loaded) : Result<std::vector<Grant>>(loaded.error());
        if (!grants) {
            check.findings.push_back(as_finding(grants.error()));
            out.push_back(std::move(check));
            continue;
        }
        for (auto& g : *grants) {
            auto compiled = compile_grant(g, limits);
            if (!compiled) {
                check.findings.push_back(as_finding(compiled.error()));
                continue;
            }
            for (const auto& warning : compiled->warnings)
                check.findings.push_back(warning);
            auto [first, inserted] = granted.emplace(g.base, check.path);
            if (!inserted) {
                check.findings.push_back(Finding{Severity::Error, g.where,
                                                 "a second grant for '" + g.base + "' (the first is in " +
                                                     first->second + "); this one is ignored"});
                continue;
            }
            if (!bases.contains(g.base)) {
                check.findings.push_back(
                    Finding{Severity::Warning, g.where,
                            "grant for '" + g.base + "', but no profile in " + profiles_dir +
                                " has that name: nobody can layer on it until one does"});
            }
            check.grants.push_back(std::move(g));
        }
        if (!check.grants.empty()) read_defaults(reader, check);
        out.push_back(std::move(check));
    }
    return out;
}

}  // namespace aalayer::policy
