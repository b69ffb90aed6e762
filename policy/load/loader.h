// Loads a policy file the way apparmor_parser reads it: parses it, follows
// its includes (each file parsed once, included once per profile), collects
// variable definitions and checks that every variable used is defined.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "policy/common/result.h"
#include "policy/load/include_resolver.h"
#include "policy/load/variables.h"
#include "policy/source/reader.h"
#include "policy/syntax/model.h"
#include "policy/syntax/parser.h"

namespace aalayer::policy {

struct LoadOptions {
    std::vector<std::string> include_dirs{"/etc/apparmor.d"};
    ParseLimits limits;
    std::size_t max_files = 4096;        // distinct files read through includes
    std::size_t max_include_depth = 64;  // include chain length
    std::size_t max_expansions = 65536;  // values one word may expand to
    Dialect dialect = Dialect::Profile;
    // When set, an include in the loaded text is this error, and the file it
    // names is never read (grant files must not read other files).
    std::string refuse_includes;
    // Defined before the file is read: tunables and per-user values for
    // layers and grants, which may use variables but not define them.
    VariableTable predefined;
};

struct LoadedPolicy {
    std::string root;                           // the file that was loaded
    std::map<std::string, Document> documents;  // every file read, by path
    VariableTable variables;
    std::vector<Note> notes;

    [[nodiscard]] const Document& root_document() const { return documents.at(root); }
};

class Loader {
public:
    Loader(const SourceReader& reader, LoadOptions options);

    [[nodiscard]] Result<LoadedPolicy> load_file(const std::string& path) const;
    // For text that does not live in a file (a layer sent over D-Bus).
    [[nodiscard]] Result<LoadedPolicy> load_text(std::string_view text, const std::string& name) const;

    [[nodiscard]] const IncludeResolver& resolver() const { return resolver_; }
    [[nodiscard]] const LoadOptions& options() const { return options_; }

private:
    [[nodiscard]] Result<LoadedPolicy> finish(LoadedPolicy policy) const;

    const SourceReader& reader_;
    LoadOptions options_;
    IncludeResolver resolver_;
};

// Variables apparmor_parser defines itself for every profile.
[[nodiscard]] bool is_builtin_variable(std::string_view name);

// Calls fn(word, location) for every word of policy text in the items
// (paths, targets, names, values), descending into profiles and blocks.
template <typename Fn>
void for_each_word(const std::vector<Item>& items, Fn&& fn);

}  // namespace aalayer::policy

#include "policy/load/words.inl"
