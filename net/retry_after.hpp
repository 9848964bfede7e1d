// Reads the scanner's `Retry-After` header, so a throttled or unavailable
// scanner can say how long scan submissions should wait before the next
// attempt.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace deltascan::net {

/// The longest wait `parse_retry_after` reports: larger delays are clamped
/// to it (the retry policy caps the wait much lower anyway).
inline constexpr std::chrono::seconds retry_after_ceiling{2'147'483'647};

/// Reads an HTTP-date (RFC 9110): the IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT` and the obsolete RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`
/// forms. Names are case-sensitive, as the grammar says; the day name is
/// not checked against the date. A two-digit year is the most recent one
/// with those digits that is not more than 50 years after `now`. None when
/// the text is not such a date or names a day that does not exist. Second
/// precision covers every four-digit year, which nanoseconds do not.
std::optional<std::chrono::sys_seconds>
parse_http_date(std::string_view text,
                std::chrono::system_clock::time_point now);

/// Reads a `Retry-After` value: delta-seconds (digits only) or an
/// HTTP-date, with optional surrounding spaces or tabs. Gives how long to
/// wait from `now`: zero for a date that is not in the future, the time to
/// the date rounded up to a millisecond otherwise. None for anything else
/// (empty, signed, fractional, or not a date).
std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value,
                  std::chrono::system_clock::time_point now);

} // namespace deltascan::net
