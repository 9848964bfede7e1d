// Turns a misspelt setting name (`server.listn`, `DELTASCAN_SCANER_URL`)
// into a "did you mean" hint, so a typo does not silently keep a default.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deltascan {

/// The Levenshtein distance: single-character insertions, deletions and
/// substitutions needed to turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a likely
/// typo of it; none when every candidate is too far away.
std::optional<std::string>
closest_match(std::string_view word,
              const std::vector<std::string>& candidates);

} // namespace deltascan
