// Everything an operator can set for deltascand: where it listens for
// runtime-event batches, how drift triggers scans (runtime options), how
// duplicate drift is suppressed, which scanner receives scan submissions and
// how the daemon logs. Values are parsed and validated: nothing here needs
// checking again by its readers.
#pragma once

#include "model/drift_rate_limiter.hpp"
#include "model/retry_policy.hpp"
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

/// The parts of the scanner's base URL: `http` or `https`.
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

/// Who may post batches: bearer tokens, and which routes need one.
struct auth_settings {
  /// File with one accepted bearer token per line; empty for no
  /// authentication. Only the path lives here: the tokens are read with
  /// `read_token_list`, again on every reload.
  std::filesystem::path token_file;
  /// Whether `/metrics` needs a token too when authentication is on.
  bool protect_metrics = false;
  /// Whether `/healthz` and `/readyz` need a token too.
  bool protect_health = false;

  friend bool operator==(const auth_settings&, const auth_settings&) = default;
};

/// TLS on the batch endpoint. Off while `cert_file` is empty.
struct server_tls_settings {
  /// PEM certificate chain the server presents.
  std::filesystem::path cert_file;
  /// PEM private key of that certificate.
  std::filesystem::path key_file;
  /// PEM CA bundle; when set, clients must present a certificate it signed.
  std::filesystem::path client_ca_file;

  bool enabled() const { return !cert_file.empty(); }

  friend bool operator==(const server_tls_settings&,
                         const server_tls_settings&) = default;
};

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
  /// The longest a batch's reply waits for its scan submissions; one still
  /// unresolved then counts as skipped.
  std::chrono::milliseconds batch_deadline{10'000};
  /// Batches being read or processed at once; more are refused with 429
  /// before their body is read.
  std::size_t max_batches_in_progress = 256;
  /// Drift events held by the actors at once (waiting for a decision or a
  /// submission); a batch that would exceed it is refused with 429.
  std::size_t max_pending_events = 200'000;
  /// The `Retry-After` a refused batch carries.
  std::chrono::seconds overload_retry_after{1};
  auth_settings auth;
  server_tls_settings tls;

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

/// A token bucket on drift events: `rate` per second with bursts of up to
/// `burst`; off while `rate` is 0.
using token_bucket_settings = bucket_limit;

/// Limits on the drift events one node or one tenant may cause to be
/// submitted; events over a limit count as skipped.
struct rate_limit_settings {
  token_bucket_settings per_node;
  token_bucket_settings per_tenant;

  friend bool operator==(const rate_limit_settings&,
                         const rate_limit_settings&) = default;
};

struct ingress_settings {
  rate_limit_settings rate_limit;

  friend bool operator==(const ingress_settings&,
                         const ingress_settings&) = default;
};

/// How often, and how patiently, a failed scan submission is tried again.
/// Only failures the scanner may recover from are retried: connection
/// errors, timeouts, 5xx, 408 and 429.
using retry_settings = retry_policy;

/// Failing fast while the scanner is down, instead of piling up retries.
struct breaker_settings {
  /// Consecutive failed attempts that open the breaker; 0 never opens it.
  std::size_t failures = 5;
  /// How long the breaker stays open before one probe is let through.
  std::chrono::seconds open_duration{30};

  friend bool operator==(const breaker_settings&,
                         const breaker_settings&) = default;
};

/// TLS towards an `https://` scanner. The server's certificate is always
/// verified, its name included.
struct scanner_tls_settings {
  /// PEM CA bundle to verify the scanner with; empty for the system's.
  std::filesystem::path ca_file;
  /// PEM client certificate and key, for scanners that require mutual TLS.
  std::filesystem::path cert_file;
  std::filesystem::path key_file;

  friend bool operator==(const scanner_tls_settings&,
                         const scanner_tls_settings&) = default;
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
  breaker_settings breaker;
  scanner_tls_settings tls;

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
  ingress_settings ingress;
  runtime_options runtime;
  dedup_settings dedup;
  scanner_settings scanner;
  log_settings log;

  friend bool operator==(const daemon_config&, const daemon_config&) = default;
};

} // namespace deltascan
