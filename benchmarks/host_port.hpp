// Reading the `HOST:PORT` addresses the benchmark tools are given: where
// deltascand, a floor or the scanner listens, or where a floor should.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deltascan::bench {

struct host_port {
  /// Without the brackets of an IPv6 address.
  std::string host;
  std::string port;
};

/// Splits `HOST:PORT` or `[IPV6]:PORT`; the port must be a number from 0 to
/// 65535. On failure returns nothing and says why in `error`.
std::optional<host_port> split_host_port(std::string_view text,
                                         std::string& error);

} // namespace deltascan::bench
