// Reads where deltascand listens for runtime-event batches (`host:port`) and
// where it sends scan submissions (the scanner's `http://` base URL).
#pragma once

#include "config/daemon_config.hpp"

#include <optional>
#include <string_view>

namespace deltascan {

/// `host:port` with a port from 0 to 65535 (0 asks for an ephemeral port).
/// The host is an IPv4 address, a bracketed IPv6 address (`[::1]`) or a
/// DNS name such as `localhost`.
std::optional<host_port> parse_host_port(std::string_view text);

/// `http://host[:port][/path]`; the port defaults to 80 and must not be 0,
/// the scheme is matched in any letter case, and trailing slashes of the
/// path are dropped. No user info, query or fragment.
std::optional<http_endpoint> parse_http_url(std::string_view text);

/// Whether `text` starts with `https://` in any letter case: such a URL is
/// refused with its own message because TLS is not supported yet.
bool is_https_url(std::string_view text);

} // namespace deltascan
