// Learning a layer from what its programs did (docs/user-guide.md, "Learning
// rules from a complain-mode run"): the accesses the kernel recorded under a
// layer, turned into the rules a person would write for them. Pure: the
// service hands over the records and the layer's composition, checks the
// layer text the proposals make as Apply would, and verifies each proposal
// (verify_proposals) on that composition.
//
// How a person generalises: several files below one directory become that
// directory's subtree (`DIR/**`), at the deepest directory they share, never
// at or above the directory a grant rule starts from (never `@{HOME}/**`), and
// only where the whole subtree lies in the grant; a lone file stays itself,
// every glob character in its name escaped; `owner` when the kernel saw the
// user's own files; permissions the union of what was asked; the home as
// @{HOME}. Only what the layer may allow is proposed; the rest is said to be
// the admin's to allow.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "policy/engine/compose.h"
#include "policy/engine/identity.h"

namespace aalayer::policy {

// One access the kernel recorded. File accesses have an absolute `path`
// and `bits`; the others their class's fields as the kernel wrote them.
struct Observed {
    std::string klass;      // "file", "net", "signal", "capability", "ptrace", "unix", "dbus", ...
    std::string operation;  // open, connect, signal, ...
    std::string path;       // file: the path ('/' at the end for a directory)
    PermBits bits = 0;      // file: what was asked
    bool owner = false;     // file: the kernel saw the task's fsuid own it
    std::string mask;       // other classes: requested mask ("send", "create")
    std::string detail;     // other classes: "family=inet sock_type=stream", "signal=term", ...
    std::string peer;       // other classes: the peer's label
};

struct Proposal {
    std::string rule;                 // one rule line, "owner @{HOME}/.mozilla/firefox/x/** rw,"
    std::vector<std::size_t> covers;  // indices of the Observed it allows, ascending
    std::string why;                  // "5 files under @{HOME}/.mozilla/firefox/x/"
    std::string glob;                 // file rules: the path glob as the engine reads it (no @{HOME})
};

// A record no rule is proposed for, and why.
struct Unproposed {
    std::size_t index = 0;
    std::string
        allow;  // "admin": only the admin can allow it; "layer": already allowed, or write one by hand
    std::string note;
};

struct LearnResult {
    std::vector<Proposal> proposals;  // in the order of their rules' text
    std::vector<Unproposed> unproposed;
};

struct LearnOptions {
    std::size_t max_records = 1024;  // records past this are not considered (said so)
    DfaLimits limits;
    SystemAbi abi;  // which non-file classes the system enforces
};

// The proposals for `observed` on the layer whose composition is `current`
// (its base, grant and present rules). Deterministic: the same records in
// any order give the same proposals.
LearnResult propose_rules(const std::vector<Observed>& observed, const Composition& current,
                          const UserIdentity& user, const LearnOptions& options = {});

// The path as a glob matching it alone (every glob character escaped),
// quoted when it has blanks.
std::string literal_glob(const std::string& path);

// A file rule that allows `bits` on `glob`: "owner GLOB rw,".
std::string file_rule(const std::string& glob, PermBits bits, bool owner);

// Whether `next` (the layer with the proposals added) allows every access
// each file proposal claims to cover: the indices of those that fall short.
std::vector<std::size_t> verify_proposals(const LearnResult& result, const std::vector<Observed>& observed,
                                          const Composition& next);

}  // namespace aalayer::policy
