// Renders the configured addresses and levels back to the words operators
// write, and maps them onto what the daemon's libraries expect.
#include "config/daemon_config.hpp"

#include <thread>

namespace deltascan {

std::string to_string(const host_port& address) {
  // A colon in the host means IPv6, whose own colons would swallow the port.
  auto host = address.host.find(':') == std::string::npos
                  ? address.host
                  : "[" + address.host + "]";
  return host + ":" + std::to_string(address.port);
}

std::string to_string(const http_endpoint& url) {
  return url.scheme + "://" + to_string(host_port{url.host, url.port}) +
         url.base_path;
}

std::size_t effective_shards(const dedup_settings& dedup) {
  if (dedup.shards > 0)
    return dedup.shards;
  auto threads = std::thread::hardware_concurrency();
  return threads > 0 ? threads : 1;
}

std::string_view to_string(log_level level) {
  switch (level) {
  case log_level::debug:
    return "debug";
  case log_level::info:
    return "info";
  case log_level::warn:
    return "warn";
  case log_level::error:
    return "error";
  }
  return "info";
}

std::string_view to_string(log_format format) {
  switch (format) {
  case log_format::text:
    return "text";
  case log_format::json:
    return "json";
  }
  return "text";
}

spdlog::level::level_enum to_spdlog_level(log_level level) {
  switch (level) {
  case log_level::debug:
    return spdlog::level::debug;
  case log_level::info:
    return spdlog::level::info;
  case log_level::warn:
    return spdlog::level::warn;
  case log_level::error:
    return spdlog::level::err;
  }
  return spdlog::level::info;
}

} // namespace deltascan
