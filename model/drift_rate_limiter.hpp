// Per-node and per-tenant limits on drift events. One misbehaving node (an
// observer in a crash loop, a container rewriting its files every second)
// or one noisy tenant must not use up the scanner for everybody: each gets
// a token bucket, and drift events beyond it are skipped with a reason.
#pragma once

#include "model/drift_event.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace deltascan {

/// `rate` events per second on average, bursts of up to `burst`; off while
/// `rate` is 0.
struct bucket_limit {
  std::size_t rate = 0;
  std::size_t burst = 0;

  bool enabled() const { return rate > 0; }

  friend bool operator==(const bucket_limit&, const bucket_limit&) = default;
};

/// What the limiter says about one drift event.
enum class rate_verdict { allowed, node_limited, tenant_limited };

/// Thread-safe: the ingress actors share one limiter, so a node's budget
/// is the same whichever actor decodes its batch.
class drift_rate_limiter {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Buckets kept at most per scope. Full buckets carry no information and
  /// are dropped first; beyond the bound, events of nodes or tenants without
  /// a bucket are limited rather than letting memory grow.
  static constexpr std::size_t max_buckets = 100'000;

  drift_rate_limiter(bucket_limit per_node, bucket_limit per_tenant);

  /// Whether any limit is on; when not, `admit` allows everything.
  bool enabled() const { return per_node_.enabled() || per_tenant_.enabled(); }

  /// Decides every event of one batch at `now`, in order, under one lock. An
  /// event takes a token from its node's and its tenant's bucket only when
  /// both have one. Events without a node (or tenant) share one bucket.
  std::vector<rate_verdict> admit(const std::vector<drift_event>& events,
                                  time_point now);

private:
  struct bucket {
    double tokens = 0;
    time_point updated;
  };

  /// The buckets of nodes, or of tenants.
  struct scope {
    std::unordered_map<std::string, bucket> buckets;
    /// While the map is full, when dropping full buckets is tried next:
    /// a sweep visits every bucket, so it runs at most once a second, not
    /// once per unknown key.
    time_point next_sweep{};
  };

  /// The bucket of `key`, refilled up to `now`; null when there is no room
  /// for a new one.
  bucket* find_bucket(scope& where, const bucket_limit& limit,
                      std::string_view key, time_point now);

  std::mutex mutex_;
  bucket_limit per_node_;
  bucket_limit per_tenant_;
  scope nodes_;
  scope tenants_;
};

} // namespace deltascan
