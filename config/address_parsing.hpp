// Reads where deltascand listens for runtime-event batches (`host:port`) and
// where it sends scan submissions (the scanner's `http://` or `https://`
// base URL).
#pragma once

#include "config/daemon_config.hpp"

#include <optional>
#include <string_view>

namespace deltascan {

/// `host:port` with a port from 0 to 65535 (0 asks for an ephemeral port).
/// The host is an IPv4 address, a bracketed IPv6 address (`[::1]`) or a
/// DNS name such as `localhost`.
std::optional<host_port> parse_host_port(std::string_view text);

/// `http://host[:port][/path]` or `https://...`; the port defaults to 80
/// or 443 and must not be 0, the scheme is matched in any letter case (and
/// kept in lower case), and trailing slashes of the path are dropped. No
/// user info, query or fragment.
std::optional<http_endpoint> parse_http_url(std::string_view text);

} // namespace deltascan
