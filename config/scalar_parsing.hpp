// Reads the plain values an operator writes for deltascand's settings:
// counts, durations in whole seconds or milliseconds, and switches such as
// whether drift triggers scans. Each parser accepts the exact text only and
// says "no" rather than guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace deltascan {

/// A decimal integer from `min` to `max`, digits only (no sign, no spaces).
std::optional<std::uint64_t>
parse_unsigned(std::string_view text, std::uint64_t min, std::uint64_t max);

/// A switch: true/false, 1/0 or yes/no, in any letter case.
std::optional<bool> parse_bool(std::string_view text);

} // namespace deltascan
