// What deltascand serves over HTTP: runtime event batches from the node
// observers, Prometheus metrics, and liveness and readiness for Kubernetes.
// Batches need an observer's bearer token while authentication is on, and
// are refused with 429 while too many are in progress, before their body is
// read. Every rejection is a problem+json reply that says what was wrong.
#pragma once

#include "actors/batch_gateway.hpp"
#include "net/request_handler.hpp"

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace prometheus {
class Counter;
class Registry;
} // namespace prometheus

namespace deltascan::net {

/// Where the daemon is in its life; readiness and batch intake follow it.
enum class daemon_phase { starting, ready, draining };

/// The phase, shared between the daemon's control thread and the handler.
class daemon_status {
public:
  daemon_phase phase() const { return phase_.load(std::memory_order_acquire); }

  void set(daemon_phase phase) {
    phase_.store(phase, std::memory_order_release);
  }

private:
  std::atomic<daemon_phase> phase_{daemon_phase::starting};
};

/// The path batches are posted to.
inline constexpr std::string_view events_path = "/api/v1/runtime/events";

class bearer_auth;

/// Who may use which route, and how many batches are taken at once.
struct daemon_handler_settings {
  /// The observers' accepted tokens; null, or an auth that is off, lets
  /// every request in. Batches always need a token while auth is on.
  std::shared_ptr<const bearer_auth> auth;
  /// Whether `/metrics` needs a token while auth is on.
  bool protect_metrics = false;
  /// Whether `/healthz` and `/readyz` need a token while auth is on.
  bool protect_health = false;
  /// Batches taken at once, from their head until their reply is handed to
  /// the connection (bodies being read count); further ones get 429 before
  /// their body is read. 0 for no bound.
  std::size_t max_batches_in_progress = 0;
  /// The `Retry-After` of every 429.
  std::chrono::seconds overload_retry_after{1};
  /// The core's bound on pending drift events, named when the core refuses
  /// a batch for it; 0 when unknown.
  std::size_t max_pending_events = 0;
};

class daemon_handler final : public request_handler {
public:
  /// A handler without authentication or bound on batches in progress.
  daemon_handler(batch_gateway& gateway,
                 std::shared_ptr<prometheus::Registry> registry,
                 std::shared_ptr<const daemon_status> status);

  daemon_handler(batch_gateway& gateway,
                 std::shared_ptr<prometheus::Registry> registry,
                 std::shared_ptr<const daemon_status> status,
                 daemon_handler_settings settings);

  /// Refuses what may not pass from its head alone. A batch let through
  /// takes its place under `max_batches_in_progress` in `hold`, so the bound
  /// covers bodies being read as well as batches in the actors.
  std::optional<http_response> check_header(const http::request_header<>& head,
                                            request_hold& hold) override;

  /// Serves a request whose head `check_header` let through.
  void handle(http_request&& req, responder reply) override;

  /// Batches let through at their head and not yet answered. Thread-safe.
  std::size_t batches_in_progress() const;

private:
  class batch_slot;

  http_response metrics_response(const http_request& req) const;

  /// The refusal for a request that lacks a valid token on a route that
  /// needs one; none when the request may pass.
  std::optional<http_response>
  check_token(const http::request_header<>& head) const;

  /// Counts a batch in; null when the bound is reached.
  std::shared_ptr<batch_slot> take_batch_slot();

  http_response too_many_batches(unsigned version, bool keep_alive);

  /// Counts a batch refused for overload before its body was read, and
  /// warns now and then; `limit` names the bound that was reached.
  void warn_overload(std::string_view limit);

  batch_gateway& gateway_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<const daemon_status> status_;
  const daemon_handler_settings settings_;
  const std::shared_ptr<spdlog::logger> log_;
  // Shared with the slots, which may outlive the handler in a completion.
  const std::shared_ptr<std::atomic<std::size_t>> batches_;
  // Batches refused from their header for a bound, and when that was last
  // logged (steady clock ticks, 0 for never), so sustained overload is logged
  // now and then.
  std::atomic<std::uint64_t> refused_batches_{0};
  // Null without a registry.
  prometheus::Counter* refused_in_progress_ = nullptr;
  std::atomic<std::chrono::steady_clock::rep> last_overload_warning_{0};
};

} // namespace deltascan::net
