// The settings of deltascand: the bounds of each, how its text is read and
// written back, and whether a reload applies it at once. The defaults
// themselves live in daemon_config.hpp.
#include "config/config_keys.hpp"

#include "config/address_parsing.hpp"
#include "config/scalar_parsing.hpp"
#include "model/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace deltascan {

namespace {

constexpr auto no_limit = std::numeric_limits<std::uint64_t>::max();

// Durations are capped at about ten years so that adding one to a clock's
// time point can never overflow; nobody needs a longer timeout or cooldown.
constexpr std::uint64_t ten_years_in_seconds = 10ull * 365 * 24 * 3600;

std::string expected(std::string_view what, std::string_view got) {
  return "expected " + std::string{what} + ", got " + quote_for_message(got);
}

std::string describe_range(std::uint64_t min, std::uint64_t max) {
  if (max == no_limit) {
    if (min == 0)
      return "a non-negative integer";
    if (min == 1)
      return "a positive integer";
    return "an integer of at least " + std::to_string(min);
  }
  return "an integer from " + std::to_string(min) + " to " +
         std::to_string(max);
}

// The factories below take an accessor, a generic lambda returning a
// reference to the field, so one accessor serves reading and writing.

template <class Access>
config_key count_key(std::string name, bool live, std::uint64_t min,
                     std::uint64_t max, Access access) {
  max = std::min<std::uint64_t>(max, std::numeric_limits<std::size_t>::max());
  config_key key;
  key.name = std::move(name);
  key.live = live;
  key.assign = [=](std::string_view text,
                   daemon_config& cfg) -> std::optional<std::string> {
    auto value = parse_unsigned(text, min, max);
    if (!value)
      return expected(describe_range(min, max), text);
    access(cfg) = static_cast<std::size_t>(*value);
    return std::nullopt;
  };
  key.text = [=](const daemon_config& cfg) {
    return std::to_string(access(cfg));
  };
  return key;
}

// A duration given as a whole number of the duration's own unit.
template <class Access>
config_key duration_key(std::string name, bool live, std::uint64_t min,
                        std::uint64_t max, Access access) {
  config_key key;
  key.name = std::move(name);
  key.live = live;
  key.assign = [=](std::string_view text,
                   daemon_config& cfg) -> std::optional<std::string> {
    auto value = parse_unsigned(text, min, max);
    if (!value)
      return expected(describe_range(min, max), text);
    using duration = std::remove_reference_t<decltype(access(cfg))>;
    access(cfg) = duration{static_cast<typename duration::rep>(*value)};
    return std::nullopt;
  };
  key.text = [=](const daemon_config& cfg) {
    return std::to_string(access(cfg).count());
  };
  return key;
}

template <class Access>
config_key switch_key(std::string name, bool live, Access access) {
  config_key key;
  key.name = std::move(name);
  key.live = live;
  key.assign = [=](std::string_view text,
                   daemon_config& cfg) -> std::optional<std::string> {
    auto value = parse_bool(text);
    if (!value)
      return expected("true, false, yes, no, 1 or 0", text);
    access(cfg) = *value;
    return std::nullopt;
  };
  key.text = [=](const daemon_config& cfg) -> std::string {
    return access(cfg) ? "true" : "false";
  };
  return key;
}

// One of a few words, matched in any letter case.
template <class Enum, std::size_t N, class Access>
config_key choice_key(std::string name, bool live,
                      const std::array<Enum, N>& choices, Access access) {
  std::string listing;
  for (std::size_t i = 0; i < N; ++i)
    listing += (i == 0       ? ""
                : i + 1 == N ? " or "
                             : ", ") +
               std::string{to_string(choices[i])};
  config_key key;
  key.name = std::move(name);
  key.live = live;
  key.assign = [=](std::string_view text,
                   daemon_config& cfg) -> std::optional<std::string> {
    auto word = to_lower_ascii(text);
    for (auto choice : choices) {
      if (word == to_string(choice)) {
        access(cfg) = choice;
        return std::nullopt;
      }
    }
    return expected("one of " + listing, text);
  };
  key.text = [=](const daemon_config& cfg) {
    return std::string{to_string(access(cfg))};
  };
  return key;
}

config_key listen_key() {
  config_key key;
  key.name = "server.listen";
  key.style = value_style::quoted;
  key.assign = [](std::string_view text,
                  daemon_config& cfg) -> std::optional<std::string> {
    auto address = parse_host_port(text);
    if (!address)
      return expected("host:port with a port from 0 to 65535", text);
    cfg.server.listen = std::move(*address);
    return std::nullopt;
  };
  key.text = [](const daemon_config& cfg) {
    return to_string(cfg.server.listen);
  };
  return key;
}

// A URL with its user information, which may hold a password, masked: a
// rejected URL is echoed in errors, and errors reach logs.
std::string masked_userinfo(std::string_view url) {
  auto scheme = url.find("://");
  auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
  auto end = url.find_first_of("/?#", start);
  auto at =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                      : end - start)
          .rfind('@');
  if (at == std::string_view::npos)
    return std::string{url};
  return std::string{url.substr(0, start)} + "(credentials not shown)" +
         std::string{url.substr(start + at)};
}

config_key scanner_url_key() {
  config_key key;
  key.name = "scanner.url";
  key.style = value_style::quoted;
  key.assign = [](std::string_view text,
                  daemon_config& cfg) -> std::optional<std::string> {
    auto url = parse_http_url(text);
    if (!url)
      return expected("http[s]://host[:port][/path] without credentials",
                      masked_userinfo(text));
    cfg.scanner.url = std::move(*url);
    return std::nullopt;
  };
  key.text = [](const daemon_config& cfg) {
    return to_string(cfg.scanner.url);
  };
  return key;
}

// A file name, taken as given: whether the file is readable is checked
// where it is used, so that a reload can report it too.
template <class Access>
config_key path_key(std::string name, bool live, Access access) {
  config_key key;
  key.name = std::move(name);
  key.live = live;
  key.style = value_style::quoted;
  key.assign = [=](std::string_view text,
                   daemon_config& cfg) -> std::optional<std::string> {
    access(cfg) = std::filesystem::path{std::string{text}};
    return std::nullopt;
  };
  key.text = [=](const daemon_config& cfg) {
    return access(cfg).string();
  };
  return key;
}

std::vector<config_key> make_config_keys() {
  constexpr bool live = true;
  constexpr bool restart = false;
  std::vector<config_key> keys{
      listen_key(),
      count_key(
          "server.max_body_bytes", restart, 1, no_limit,
          [](auto& c) -> auto& { return c.server.max_body_bytes; }),
      count_key(
          "server.max_batch_events", restart, 1, no_limit,
          [](auto& c) -> auto& { return c.server.max_batch_events; }),
      count_key(
          "server.io_threads", restart, 1, 256,
          [](auto& c) -> auto& { return c.server.io_threads; }),
      duration_key(
          "server.drain_timeout_seconds", restart, 0, ten_years_in_seconds,
          [](auto& c) -> auto& { return c.server.drain_timeout; }),
      duration_key(
          "server.batch_deadline_ms", restart, 1, ten_years_in_seconds * 1000,
          [](auto& c) -> auto& { return c.server.batch_deadline; }),
      count_key(
          "server.max_batches_in_progress", restart, 1, no_limit,
          [](auto& c) -> auto& { return c.server.max_batches_in_progress; }),
      count_key(
          "server.max_pending_events", restart, 1, no_limit,
          [](auto& c) -> auto& { return c.server.max_pending_events; }),
      duration_key(
          "server.overload_retry_after_seconds", restart, 1, 3600,
          [](auto& c) -> auto& { return c.server.overload_retry_after; }),
      // The token file is read again on every reload, so a new path is live
      // too; whether a route needs a token is fixed at start-up.
      path_key(
          "server.auth.token_file", live,
          [](auto& c) -> auto& { return c.server.auth.token_file; }),
      switch_key(
          "server.auth.protect_metrics", restart,
          [](auto& c) -> auto& { return c.server.auth.protect_metrics; }),
      switch_key(
          "server.auth.protect_health", restart,
          [](auto& c) -> auto& { return c.server.auth.protect_health; }),
      path_key(
          "server.tls.cert_file", restart,
          [](auto& c) -> auto& { return c.server.tls.cert_file; }),
      path_key(
          "server.tls.key_file", restart,
          [](auto& c) -> auto& { return c.server.tls.key_file; }),
      path_key(
          "server.tls.client_ca_file", restart,
          [](auto& c) -> auto& { return c.server.tls.client_ca_file; }),
      count_key(
          "ingress.rate_limit.per_node.rate", restart, 0, no_limit,
          [](auto& c) -> auto& { return c.ingress.rate_limit.per_node.rate; }),
      count_key(
          "ingress.rate_limit.per_node.burst", restart, 0, no_limit,
          [](auto& c) -> auto& { return c.ingress.rate_limit.per_node.burst; }),
      count_key(
          "ingress.rate_limit.per_tenant.rate", restart, 0, no_limit,
          [](auto& c) -> auto& {
            return c.ingress.rate_limit.per_tenant.rate;
          }),
      count_key(
          "ingress.rate_limit.per_tenant.burst", restart, 0, no_limit,
          [](auto& c) -> auto& {
            return c.ingress.rate_limit.per_tenant.burst;
          }),
      switch_key(
          "runtime.auto_scan_enabled", live,
          [](auto& c) -> auto& { return c.runtime.auto_scan_enabled; }),
      duration_key(
          "runtime.auto_scan_cooldown_seconds", live, 0, ten_years_in_seconds,
          [](auto& c) -> auto& { return c.runtime.auto_scan_cooldown; }),
      count_key(
          "dedup.shards", restart, 0, 1024,
          [](auto& c) -> auto& { return c.dedup.shards; }),
      duration_key(
          "dedup.purge_interval_seconds", restart, 1, ten_years_in_seconds,
          [](auto& c) -> auto& { return c.dedup.purge_interval; }),
      scanner_url_key(),
      path_key(
          "scanner.token_file", live,
          [](auto& c) -> auto& { return c.scanner.token_file; }),
      duration_key(
          "scanner.timeout_ms", restart, 1, ten_years_in_seconds * 1000,
          [](auto& c) -> auto& { return c.scanner.timeout; }),
      count_key(
          "scanner.max_in_flight", restart, 1, 100000,
          [](auto& c) -> auto& { return c.scanner.max_in_flight; }),
      count_key(
          "scanner.retry.max_attempts", restart, 1, 100,
          [](auto& c) -> auto& { return c.scanner.retry.max_attempts; }),
      duration_key(
          "scanner.retry.initial_backoff_ms", restart, 1, 3'600'000,
          [](auto& c) -> auto& { return c.scanner.retry.initial_backoff; }),
      duration_key(
          "scanner.retry.max_backoff_ms", restart, 1, 3'600'000,
          [](auto& c) -> auto& { return c.scanner.retry.max_backoff; }),
      duration_key(
          "scanner.retry.budget_ms", restart, 0, ten_years_in_seconds * 1000,
          [](auto& c) -> auto& { return c.scanner.retry.budget; }),
      duration_key(
          "scanner.retry.max_retry_after_ms", restart, 0, 3'600'000,
          [](auto& c) -> auto& { return c.scanner.retry.max_retry_after; }),
      count_key(
          "scanner.breaker.failures", restart, 0, 1'000'000,
          [](auto& c) -> auto& { return c.scanner.breaker.failures; }),
      duration_key(
          "scanner.breaker.open_seconds", restart, 1, ten_years_in_seconds,
          [](auto& c) -> auto& { return c.scanner.breaker.open_duration; }),
      path_key(
          "scanner.tls.ca_file", restart,
          [](auto& c) -> auto& { return c.scanner.tls.ca_file; }),
      path_key(
          "scanner.tls.cert_file", restart,
          [](auto& c) -> auto& { return c.scanner.tls.cert_file; }),
      path_key(
          "scanner.tls.key_file", restart,
          [](auto& c) -> auto& { return c.scanner.tls.key_file; }),
      choice_key(
          "log.level", live,
          std::array{log_level::debug, log_level::info, log_level::warn,
                     log_level::error},
          [](auto& c) -> auto& { return c.log.level; }),
      choice_key(
          "log.format", restart, std::array{log_format::text, log_format::json},
          [](auto& c) -> auto& { return c.log.format; }),
  };
  for (auto& key : keys)
    key.env_name = env_name_for(key.name);
  return keys;
}

} // namespace

const std::vector<config_key>& config_keys() {
  static const auto keys = make_config_keys();
  return keys;
}

const config_key* find_config_key(std::string_view name) {
  const auto& keys = config_keys();
  auto i = std::find_if(keys.begin(), keys.end(),
                        [&](const auto& key) { return key.name == name; });
  return i == keys.end() ? nullptr : &*i;
}

const config_key* find_config_key_by_env(std::string_view env_name) {
  const auto& keys = config_keys();
  auto i = std::find_if(keys.begin(), keys.end(), [&](const auto& key) {
    return key.env_name == env_name;
  });
  return i == keys.end() ? nullptr : &*i;
}

bool is_config_section(std::string_view name) {
  if (name.empty())
    return false;
  const auto& keys = config_keys();
  return std::any_of(keys.begin(), keys.end(), [&](const auto& key) {
    std::string_view key_name = key.name;
    return key_name.size() > name.size() && key_name.starts_with(name) &&
           key_name[name.size()] == '.';
  });
}

std::vector<std::string> config_children(std::string_view section) {
  std::vector<std::string> children;
  auto prefix = section.empty() ? std::string{} : std::string{section} + ".";
  for (const auto& key : config_keys()) {
    std::string_view name = key.name;
    if (!name.starts_with(prefix))
      continue;
    auto dot = name.find('.', prefix.size());
    auto child = std::string{name.substr(0, dot)};
    if (std::find(children.begin(), children.end(), child) == children.end())
      children.push_back(std::move(child));
  }
  return children;
}

std::string env_name_for(std::string_view name) {
  std::string result{config_env_prefix};
  for (auto c : name) {
    if (c == '.')
      result += '_';
    else if (c >= 'a' && c <= 'z')
      result += static_cast<char>(c - 'a' + 'A');
    else
      result += c;
  }
  return result;
}

std::string quote_for_message(std::string_view text) {
  // Long values are cut: a message names the problem, it need not repeat a
  // pasted file.
  constexpr std::size_t max_shown = 120;
  auto shown = text.substr(0, max_shown);
  std::string result = "\"";
  for (auto c : shown) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      result += '\\';
      result += c;
    } else if (c == '\n') {
      result += "\\n";
    } else if (c == '\t') {
      result += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      constexpr std::string_view hex = "0123456789abcdef";
      result += "\\x";
      result += hex[byte >> 4];
      result += hex[byte & 0xf];
    } else {
      result += c;
    }
  }
  result += '"';
  if (text.size() > max_shown)
    result += " (cut after " + std::to_string(max_shown) + " characters)";
  return result;
}

} // namespace deltascan
