// "Did you mean" hints for unknown configuration keys and environment
// variables.
#include "config/suggestion.hpp"

#include "model/text.hpp"

#include <algorithm>
#include <numeric>

namespace deltascan {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the classic dynamic programme is enough: row[j] holds the
  // distance between the current prefix of `a` and the first j of `b`.
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    auto diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      auto substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

std::optional<std::string>
closest_match(std::string_view word,
              const std::vector<std::string>& candidates) {
  // Letter case is no evidence of a different name: `Listen` is `listen`.
  auto lowered = to_lower_ascii(word);
  std::optional<std::string> best;
  auto best_distance = std::size_t{0};
  for (const auto& candidate : candidates) {
    auto distance = edit_distance(lowered, to_lower_ascii(candidate));
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // Allow about one typo per three characters, at least two, but never so
  // many that any short word would match.
  auto allowed = std::max<std::size_t>(2, lowered.size() / 3);
  if (!best || best_distance > allowed || best_distance >= lowered.size())
    return std::nullopt;
  return best;
}

} // namespace deltascan
