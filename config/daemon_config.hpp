// Everything an operator can set for deltascand: where it listens for
// runtime-event batches, how drift triggers scans (runtime options), how
// duplicate drift is suppressed, which scanner receives scan submissions and
// how the daemon logs. Values are parsed and validated: nothing here needs
// checking again by its readers.
#pragma once

#include "model/runtime_options.hpp"

#include <spdlog/common.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace deltascan {

/// A host and a TCP port, e.g. where the batch endpoint listens. An IPv6
/// host is kept without its brackets (`::1`), ready for a resolver.
struct host_port {
  std::string host;
  std::uint16_t port = 0;

  friend bool operator==(const host_port&, const host_port&) = default;
};

/// Renders `host:port`, bracketing an IPv6 host: `[::1]:8080`.
std::string to_string(const host_port& address);

/// The parts of the scanner's base URL. Only plain HTTP for now.
struct http_endpoint {
  std::string scheme = "http";
  std::string host;
  std::uint16_t port = 80;
  /// Prefix for every request path, without trailing slash; empty for none.
  std::string base_path;

  friend bool operator==(const http_endpoint&, const http_endpoint&) = default;
};

/// Renders the URL back, always with its port: `http://host:80/base`.
std::string to_string(const http_endpoint& url);

/// Where runtime observers post their batches, and how much one may send.
struct server_settings {
  host_port listen{"127.0.0.1", 8080};
  /// Bodies above this size are refused before they are parsed.
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  /// Batches with more events than this are refused as a whole.
  std::size_t max_batch_events = 10000;
  std::size_t io_threads = 2;
  /// How long a shutdown waits for in-flight batches and submissions.
  std::chrono::seconds drain_timeout{30};

  friend bool operator==(const server_settings&,
                         const server_settings&) = default;
};

/// How drift of the same image is suppressed within the cooldown.
struct dedup_settings {
  /// Number of dedup shards; 0 picks one per hardware thread.
  std::size_t shards = 0;
  /// How often images whose cooldown has expired are forgotten.
  std::chrono::seconds purge_interval{60};

  friend bool operator==(const dedup_settings&,
                         const dedup_settings&) = default;
};

/// The shard count to run with: `shards`, or the hardware threads when it
/// is 0 (at least 1 when the hardware cannot tell).
std::size_t effective_shards(const dedup_settings& dedup);

/// How often a failed scan submission is tried.
struct retry_settings {
  /// Total attempts per submission; 1 means no retry.
  std::size_t max_attempts = 1;

  friend bool operator==(const retry_settings&,
                         const retry_settings&) = default;
};

/// The vulnerability scanner that receives scan submissions.
struct scanner_settings {
  http_endpoint url{"http", "127.0.0.1", 8081, ""};
  /// File holding the scanner's API token; empty for no token. Only the
  /// path lives here: the token is read with `read_token_file`.
  std::filesystem::path token_file;
  std::chrono::milliseconds timeout{5000};
  /// Submissions waiting for the scanner's answer at most at any time.
  std::size_t max_in_flight = 64;
  retry_settings retry;

  friend bool operator==(const scanner_settings&,
                         const scanner_settings&) = default;
};

/// The least severe log level that is written.
enum class log_level { debug, info, warn, error };

/// How log lines are written: for people or for a log collector.
enum class log_format { text, json };

std::string_view to_string(log_level level);

std::string_view to_string(log_format format);

/// The spdlog level that matches the configured `log.level`.
spdlog::level::level_enum to_spdlog_level(log_level level);

struct log_settings {
  log_level level = log_level::info;
  log_format format = log_format::text;

  friend bool operator==(const log_settings&, const log_settings&) = default;
};

/// The complete configuration of deltascand, defaults included.
struct daemon_config {
  server_settings server;
  runtime_options runtime;
  dedup_settings dedup;
  scanner_settings scanner;
  log_settings log;

  friend bool operator==(const daemon_config&, const daemon_config&) = default;
};

} // namespace deltascan
