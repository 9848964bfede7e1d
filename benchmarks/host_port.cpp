// Splits the addresses given on the command line of the benchmark tools.
#include "benchmarks/host_port.hpp"

#include <charconv>
#include <cstdint>

namespace deltascan::bench {

std::optional<host_port> split_host_port(std::string_view text,
                                         std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    error = "expected HOST:PORT, got '" + std::string{text} + "'";
    return std::nullopt;
  }
  auto host = text.substr(0, colon);
  auto port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos) {
    error = "an IPv6 address needs brackets: '" + std::string{text} + "'";
    return std::nullopt;
  }
  std::uint16_t number = 0;
  auto [end, ec] =
      std::from_chars(port.data(), port.data() + port.size(), number);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size()) {
    error = "invalid port '" + std::string{port} + "'";
    return std::nullopt;
  }
  if (host.empty()) {
    error = "missing host in '" + std::string{text} + "'";
    return std::nullopt;
  }
  return host_port{std::string{host}, std::string{port}};
}

} // namespace deltascan::bench
