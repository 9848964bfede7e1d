// Addresses of the batch endpoint and of the scanner. Hosts are checked
// here so a typo is reported at start-up with the key that holds it, not
// later as a resolver or connection failure.
#include "config/address_parsing.hpp"

#include "config/scalar_parsing.hpp"
#include "model/text.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

namespace deltascan {

namespace {

constexpr std::string_view http_prefix = "http://";
constexpr std::string_view https_prefix = "https://";

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         to_lower_ascii(text.substr(0, prefix.size())) == prefix;
}

bool is_ipv4(const std::string& host) {
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-';
}

// A DNS name as RFC 1123 allows it: dot-separated labels of letters, digits
// and inner hyphens, 63 characters each at most.
bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253)
    return false;
  while (!host.empty()) {
    auto dot = host.find('.');
    auto label = host.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), is_label_char))
      return false;
    if (dot == std::string_view::npos)
      break;
    host.remove_prefix(dot + 1);
    // A trailing dot (fully qualified name) is fine, an empty label is not.
    if (host.empty())
      break;
  }
  return true;
}

// An unbracketed host: IPv4 or a name. Digits and dots alone must form a
// valid IPv4 address, so `300.1.1.1` is not taken for a name.
bool is_plain_host(const std::string& host) {
  auto numeric = std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.';
  });
  return numeric ? is_ipv4(host) : is_dns_name(host);
}

// Splits `host[:port]`; `default_port` is used when the port is absent and
// none is required.
std::optional<host_port>
parse_authority(std::string_view text,
                std::optional<std::uint16_t> default_port) {
  host_port result;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    result.host = std::string{text.substr(1, close - 1)};
    if (!is_ipv6(result.host))
      return std::nullopt;
    rest = text.substr(close + 1);
  } else {
    auto colon = text.find(':');
    result.host = std::string{text.substr(0, colon)};
    if (!is_plain_host(result.host))
      return std::nullopt;
    rest = colon == std::string_view::npos ? std::string_view{}
                                           : text.substr(colon);
  }
  if (rest.empty()) {
    if (!default_port)
      return std::nullopt;
    result.port = *default_port;
    return result;
  }
  if (rest.front() != ':' || rest.size() > 6)
    return std::nullopt;
  auto port = parse_unsigned(rest.substr(1), 0, 65535);
  if (!port)
    return std::nullopt;
  result.port = static_cast<std::uint16_t>(*port);
  return result;
}

bool is_path_char(char c) {
  // Printable ASCII without space; `?` and `#` would start a query or a
  // fragment, which a base path cannot carry.
  return c > ' ' && c < 127 && c != '?' && c != '#';
}

} // namespace

std::optional<host_port> parse_host_port(std::string_view text) {
  return parse_authority(text, std::nullopt);
}

std::optional<http_endpoint> parse_http_url(std::string_view text) {
  std::string scheme;
  std::uint16_t default_port = 0;
  if (starts_with_ignoring_case(text, http_prefix)) {
    scheme = "http";
    default_port = 80;
    text.remove_prefix(http_prefix.size());
  } else if (starts_with_ignoring_case(text, https_prefix)) {
    scheme = "https";
    default_port = 443;
    text.remove_prefix(https_prefix.size());
  } else {
    return std::nullopt;
  }
  auto slash = text.find('/');
  auto authority = text.substr(0, slash);
  auto path =
      slash == std::string_view::npos ? std::string_view{} : text.substr(slash);
  auto address = parse_authority(authority, default_port);
  if (!address || address->port == 0)
    return std::nullopt;
  if (!std::all_of(path.begin(), path.end(), is_path_char))
    return std::nullopt;
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  return http_endpoint{std::move(scheme), std::move(address->host),
                       address->port, std::string{path}};
}

} // namespace deltascan
