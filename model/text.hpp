// Small string helpers for the digest and submission rules, which trim and
// lowercase the way .NET's Trim() and ToLowerInvariant() do for ASCII.
#pragma once

#include <string>
#include <string_view>

namespace deltascan {

/// Strips leading and trailing white space (space, tab, CR, LF, VT, FF).
std::string_view trim(std::string_view text);

/// Lowercases ASCII letters; other bytes are kept as they are.
std::string to_lower_ascii(std::string_view text);

} // namespace deltascan
