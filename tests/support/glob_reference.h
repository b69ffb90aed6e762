// A brute-force glob matcher written separately from the automata (a
// backtracking interpreter of the glob text), and generators of globs and
// paths for property tests.
#pragma once

#include <random>
#include <string>
#include <vector>

namespace aalayer::test {

// Whether `path` matches `glob`, AppArmor semantics, for the glob subset the
// generators produce: literals, \c, ?, *, **, [..], [^..] without ranges, {..}.
bool ref_match(const std::string& glob, const std::string& path);

// A random glob over a, b, '.', '/' with every glob construct; not always
// starting with '/'.
std::string random_glob(std::mt19937& rng, int depth = 0);

// Every string up to max_len over "ab/." (the empty string first).
std::vector<std::string> all_paths(std::size_t max_len);

}  // namespace aalayer::test
