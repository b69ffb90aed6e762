#include "policy/load/loader.h"

#include <algorithm>
#include <set>

#include "policy/load/conditionals.h"

namespace aalayer::policy {

// apparmor_parser 3.0 and 4.1 define no other: a rule that uses @{exec_path}
// or @{attach_path} is refused ("never declared").
bool is_builtin_variable(std::string_view name) {
    return name == "profile_name";
}

namespace {

// Walks the items in source order, following includes where they stand.
class Walker {
public:
    Walker(const SourceReader& reader, const IncludeResolver& resolver, const LoadOptions& options,
           LoadedPolicy& policy)
        : reader_(reader), resolver_(resolver), options_(options), policy_(policy) {}

    Status walk_root() {
        std::set<std::string> seen{policy_.root};
        stack_.push_back(policy_.root);
        live_documents_.insert(policy_.root);
        return walk(policy_.documents.at(policy_.root).items, seen, true);
    }

    // Replaces each conditional by the branch taken, and forgets the files read only for
    // branches not taken: the walk is over, nothing points into the documents any more.
    void apply_choices() {
        for (auto it = policy_.documents.begin(); it != policy_.documents.end();) {
            if (!live_documents_.contains(it->first)) {
                it = policy_.documents.erase(it);
                continue;
            }
            splice_conditionals(it->second.items, choices_);
            ++it;
        }
    }

private:
    // `live`: the items count. A branch not taken is still walked, not live, for the errors
    // apparmor_parser finds there too: booleans never defined, includes it cannot read.
    Status walk(const std::vector<Item>& items, std::set<std::string>& seen, bool live) {
        for (const auto& item : items) {
            if (const auto* inc = std::get_if<Include>(&item.node)) {
                AA_TRY(follow(*inc, item.where, seen, live));
            } else if (const auto* def = std::get_if<VariableDefinition>(&item.node)) {
                if (live) AA_TRY(policy_.variables.define(*def, item.where));
            } else if (const auto* b = std::get_if<BooleanDefinition>(&item.node)) {
                if (live) AA_TRY(policy_.variables.define_boolean(*b, item.where));
            } else if (const auto* p = std::get_if<Box<Profile>>(&item.node)) {
                // A profile starts a new include scope: abstractions already
                // pulled into another profile are pulled in again here.
                std::set<std::string> profile_seen;
                AA_TRY(walk((*p)->items, profile_seen, live));
            } else if (const auto* blk = std::get_if<Box<QualifierBlock>>(&item.node)) {
                AA_TRY(walk((*blk)->items, seen, live));
            } else if (const auto* c = std::get_if<Box<Conditional>>(&item.node)) {
                AA_TRY(walk_conditional(**c, seen, live));
            }
        }
        return {};
    }

    Status walk_conditional(const Conditional& c, std::set<std::string>& seen, bool live) {
        AA_ASSIGN(const std::optional<std::size_t> taken, choose_branch(c, policy_.variables));
        if (live) {
            const auto [it, inserted] = choices_.emplace(&c, taken);
            if (!inserted && it->second != taken) {
                // Variables are global and defined only outside profiles, so this takes a
                // `defined` test of a variable defined between two profiles that include the file.
                return make_error(ErrorKind::Unsupported, c.branches.front().where,
                                  "this 'if' is decided differently in two places where its file is "
                                  "included; the model keeps one decision for each 'if'");
            }
        }
        for (std::size_t i = 0; i < c.branches.size(); ++i) {
            if (live && taken == i) {
                AA_TRY(walk(c.branches[i].items, seen, true));
            } else {
                std::set<std::string> dry_seen = seen;
                AA_TRY(walk(c.branches[i].items, dry_seen, false));
            }
        }
        return {};
    }

    Status follow(const Include& inc, const Location& where, std::set<std::string>& seen, bool live) {
        if (!options_.refuse_includes.empty())
            return make_error(ErrorKind::Unsupported, where, options_.refuse_includes);
        AA_ASSIGN(std::vector<std::string> files, resolver_.resolve(inc, where));
        for (const auto& file : files) {
            if (std::find(stack_.begin(), stack_.end(), file) != stack_.end()) {
                std::string chain;
                for (const auto& s : stack_)
                    chain += s + " -> ";
                return make_error(ErrorKind::Include, where, "include cycle: " + chain + file);
            }
            if (!seen.insert(file).second) continue;  // included once per scope, as apparmor_parser does
            if (stack_.size() >= options_.max_include_depth) {
                return make_error(
                    ErrorKind::Limit, where,
                    "includes nested more than " + std::to_string(options_.max_include_depth) + " deep");
            }
            AA_ASSIGN(const Document* doc, document(file, where));
            if (live) {
                live_documents_.insert(file);
            } else if (!dry_documents_.insert(file).second) {
                // Its errors were found the first time: walking it again for every branch not
                // taken would cost the product of the branches of nested files.
                continue;
            }
            stack_.push_back(file);
            AA_TRY(walk(doc->items, seen, live));
            stack_.pop_back();
        }
        return {};
    }

    Result<const Document*> document(const std::string& path, const Location& where) {
        if (auto it = policy_.documents.find(path); it != policy_.documents.end()) return &it->second;
        if (policy_.documents.size() >= options_.max_files) {
            return make_error(ErrorKind::Limit, where,
                              "more than " + std::to_string(options_.max_files) + " files through includes");
        }
        auto text = reader_.read(path, options_.limits.max_bytes);
        if (!text) {
            Error e = text.take_error();
            return make_error(e.kind == ErrorKind::Limit ? ErrorKind::Limit : ErrorKind::Include, where,
                              "cannot read include '" + path + "': " + e.message);
        }
        AA_ASSIGN(ParseOutput parsed, parse_document(*text, path, options_.limits));
        policy_.notes.insert(policy_.notes.end(), parsed.notes.begin(), parsed.notes.end());
        auto [it, inserted] = policy_.documents.emplace(path, std::move(parsed.document));
        (void)inserted;
        return &it->second;
    }

    const SourceReader& reader_;
    const IncludeResolver& resolver_;
    const LoadOptions& options_;
    LoadedPolicy& policy_;
    std::vector<std::string> stack_;
    BranchChoices choices_;                 // live decisions only
    std::set<std::string> live_documents_;  // read for items that count
    std::set<std::string> dry_documents_;   // walked for a branch not taken
};

}  // namespace

Loader::Loader(const SourceReader& reader, LoadOptions options)
    : reader_(reader), options_(std::move(options)), resolver_(reader_, options_.include_dirs) {}

Result<LoadedPolicy> Loader::load_file(const std::string& path) const {
    auto text = reader_.read(path, options_.limits.max_bytes);
    if (!text) return text.take_error();
    return load_text(*text, path);
}

Result<LoadedPolicy> Loader::load_text(std::string_view text, const std::string& name) const {
    AA_ASSIGN(ParseOutput parsed, parse_document(text, name, options_.limits, options_.dialect));
    LoadedPolicy policy;
    policy.variables = options_.predefined;
    policy.root = name;
    policy.notes = std::move(parsed.notes);
    policy.documents.emplace(name, std::move(parsed.document));
    return finish(std::move(policy));
}

Result<LoadedPolicy> Loader::finish(LoadedPolicy policy) const {
    Walker walker(reader_, resolver_, options_, policy);
    AA_TRY(walker.walk_root());
    walker.apply_choices();
    // Every variable used anywhere must be defined, and every definition must
    // expand: apparmor_parser refuses the whole file otherwise.
    VariableTable& vars = policy.variables;
    for (const auto& name : vars.names()) {
        const Location at = *vars.defined_at(name);
        AA_TRY(vars.expand("@{" + name + "}", at, options_.max_expansions));
    }
    for (const auto& [path, doc] : policy.documents) {
        std::optional<Error> failure;
        for_each_word(doc.items, [&](const Word& w, const Location& at) {
            if (failure) return;
            for (const auto& name : variable_references(w.text)) {
                if (!vars.has(name) && !is_builtin_variable(name)) {
                    failure = make_error(
                        ErrorKind::Variable, at,
                        "variable @{" + name +
                            "} is not defined (define it in the preamble, or include the tunables that do)");
                    return;
                }
            }
        });
        if (failure) return std::move(*failure);
    }
    return policy;
}

}  // namespace aalayer::policy
