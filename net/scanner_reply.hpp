// Turns the scanner's answer to a scan submission into a scan outcome: the
// scan it queued, or a failure reason a log reader understands without the
// raw HTTP exchange at hand.
#pragma once

#include "model/scan_outcome.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace deltascan::net {

/// Bytes of a reply body quoted in a failure reason at most.
inline constexpr std::size_t reply_excerpt_limit = 200;

/// What a failure answered with `status` is: server_error for 5xx,
/// request_timeout for 408, throttled for 429, rejected for any other status
/// outside 2xx, and none for 2xx.
failure_kind classify_status(unsigned status);

/// Reads the scanner's reply to `POST /api/v1/scans`. A 2xx status with a
/// JSON object holding a non-empty string `scanId` and a boolean `created`
/// is a success; a 2xx without them is an `invalid_reply`, and other
/// statuses fail as `classify_status` says, with a reason naming what was
/// wrong. The outcome carries `status` either way.
/// `reason_phrase` may be empty; the standard phrase is used then. `body` is
/// taken by value because the parser needs spare capacity behind the text.
/// `retry_after` is the `Retry-After` header (empty when absent); it is read
/// against `now` for 429 and 503 only, the statuses where it asks to wait.
scan_outcome interpret_scanner_reply(unsigned status,
                                     std::string_view reason_phrase,
                                     std::string body,
                                     std::string_view retry_after = {},
                                     std::chrono::system_clock::time_point now =
                                         std::chrono::system_clock::now());

/// The first `limit` bytes of `text` with control and non-ASCII bytes
/// replaced, and "..." appended when something was cut, so that a reply body
/// can be quoted on one log line.
std::string printable_excerpt(std::string_view text,
                              std::size_t limit = reply_excerpt_limit);

} // namespace deltascan::net
