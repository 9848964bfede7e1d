// What deltascand serves over HTTP: runtime event batches from the node
// observers, Prometheus metrics, and liveness and readiness for Kubernetes.
// Every rejection is a problem+json reply that says what was wrong.
#pragma once

#include "actors/batch_gateway.hpp"
#include "net/request_handler.hpp"

#include <atomic>
#include <memory>

namespace prometheus {
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

class daemon_handler final : public request_handler {
public:
  daemon_handler(batch_gateway& gateway,
                 std::shared_ptr<prometheus::Registry> registry,
                 std::shared_ptr<const daemon_status> status);

  std::optional<http_response>
  check_header(const http::request_header<>& head) override;

  void handle(http_request&& req, responder reply) override;

private:
  http_response metrics_response(const http_request& req) const;

  batch_gateway& gateway_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<const daemon_status> status_;
};

} // namespace deltascan::net
