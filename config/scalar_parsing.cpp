// Counts, durations and switches from the configuration file and the
// environment: strict, so a typo never becomes a surprising value.
#include "config/scalar_parsing.hpp"

#include "model/text.hpp"

#include <charconv>

namespace deltascan {

std::optional<std::uint64_t>
parse_unsigned(std::string_view text, std::uint64_t min, std::uint64_t max) {
  // The first digit check refuses signs and spaces; the end check refuses
  // trailing text such as "12s", which from_chars would silently stop at.
  if (text.empty() || text.front() < '0' || text.front() > '9')
    return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  if (value < min || value > max)
    return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  auto word = to_lower_ascii(text);
  if (word == "true" || word == "1" || word == "yes")
    return true;
  if (word == "false" || word == "0" || word == "no")
    return false;
  return std::nullopt;
}

} // namespace deltascan
