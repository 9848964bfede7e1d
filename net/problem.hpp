// Error replies in the problem details format (RFC 9457), so an observer or
// an operator learns from the body which part of a request was wrong, not
// just the status code.
#pragma once

#include "net/http_message.hpp"

#include <string>
#include <string_view>

namespace deltascan::net {

/// The media type of every problem reply.
inline constexpr std::string_view problem_content_type =
    "application/problem+json";

/// A kind of problem more specific than its status code. Its `type` member
/// becomes `https://deltascan.dev/problems/<slug>`.
struct problem_kind {
  std::string_view slug;
  std::string_view title;
};

/// The problem+json text `{"type","title","status","detail"}`.
std::string problem_body(std::string_view type, std::string_view title,
                         unsigned status, std::string_view detail);

/// A problem reply whose type is `about:blank` and whose title is the
/// status' reason phrase, as RFC 9457 asks for that type.
http_response make_problem(http::status status, std::string_view detail,
                           unsigned version, bool keep_alive);

/// A problem reply of a specific kind, for errors a client may want to tell
/// apart by more than the status.
http_response make_problem(http::status status, problem_kind kind,
                           std::string_view detail, unsigned version,
                           bool keep_alive);

} // namespace deltascan::net
