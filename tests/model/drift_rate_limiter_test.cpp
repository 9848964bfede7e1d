// Token buckets per node and per tenant over drift events.
#include "model/drift_rate_limiter.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;
using namespace std::chrono_literals;

namespace {

using time_point = drift_rate_limiter::time_point;

const time_point t0{};

drift_event event(std::optional<std::string> node,
                  std::optional<std::string> tenant = "t") {
  drift_event e;
  e.event_id = "e";
  e.node = std::move(node);
  e.tenant = std::move(tenant);
  return e;
}

std::vector<rate_verdict> repeat(rate_verdict v, std::size_t n) {
  return std::vector<rate_verdict>(n, v);
}

} // namespace

TEST_CASE("without limits every event is allowed") {
  drift_rate_limiter limiter{{}, {}};
  CHECK_FALSE(limiter.enabled());
  std::vector<drift_event> events(1000, event("n"));
  CHECK(limiter.admit(events, t0) == repeat(rate_verdict::allowed, 1000));
}

TEST_CASE("a node may burst, then gets its rate") {
  drift_rate_limiter limiter{{2, 3}, {}};
  std::vector<drift_event> events(5, event("n1"));
  auto first = limiter.admit(events, t0);
  CHECK(first == std::vector{rate_verdict::allowed, rate_verdict::allowed,
                             rate_verdict::allowed, rate_verdict::node_limited,
                             rate_verdict::node_limited});
  // Another node has its own bucket.
  CHECK(limiter.admit({event("n2")}, t0) == repeat(rate_verdict::allowed, 1));
  // Half a second refills one token at 2/s.
  CHECK(limiter.admit(events, t0 + 500ms) ==
        std::vector{rate_verdict::allowed, rate_verdict::node_limited,
                    rate_verdict::node_limited, rate_verdict::node_limited,
                    rate_verdict::node_limited});
  // A long pause refills up to the burst, not beyond.
  CHECK(limiter.admit(events, t0 + 1h) ==
        std::vector{rate_verdict::allowed, rate_verdict::allowed,
                    rate_verdict::allowed, rate_verdict::node_limited,
                    rate_verdict::node_limited});
}

TEST_CASE("a tenant's limit spans nodes, and a refused event costs nothing") {
  drift_rate_limiter limiter{{10, 10}, {1, 2}};
  CHECK(limiter.admit({event("n1"), event("n2"), event("n3")}, t0) ==
        std::vector{rate_verdict::allowed, rate_verdict::allowed,
                    rate_verdict::tenant_limited});
  // n3's node bucket was not charged for the refused event: all ten left.
  std::vector<drift_event> n3(10, event("n3", "other"));
  CHECK(limiter.admit(n3, t0) ==
        std::vector{rate_verdict::allowed, rate_verdict::allowed,
                    rate_verdict::tenant_limited, rate_verdict::tenant_limited,
                    rate_verdict::tenant_limited, rate_verdict::tenant_limited,
                    rate_verdict::tenant_limited, rate_verdict::tenant_limited,
                    rate_verdict::tenant_limited,
                    rate_verdict::tenant_limited});
}

TEST_CASE("events without a node share one bucket") {
  drift_rate_limiter limiter{{1, 1}, {}};
  CHECK(limiter.admit({event(std::nullopt), event(std::nullopt)}, t0) ==
        std::vector{rate_verdict::allowed, rate_verdict::node_limited});
}

TEST_CASE("at its bound on buckets the limiter limits unknown nodes, and "
          "drops full buckets at most once a second") {
  // Refills within a millisecond, so every bucket is full again almost at
  // once: what keeps an unknown node out after that is the sweep's pace.
  drift_rate_limiter limiter{{1000, 1}, {}};
  std::vector<drift_event> fill;
  fill.reserve(drift_rate_limiter::max_buckets);
  for (std::size_t i = 0; i < drift_rate_limiter::max_buckets; ++i)
    fill.push_back(event("node-" + std::to_string(i)));
  CHECK(limiter.admit(fill, t0) ==
        repeat(rate_verdict::allowed, drift_rate_limiter::max_buckets));

  // Every bucket is empty: a sweep frees none, and the newcomer is limited.
  CHECK(limiter.admit({event("newcomer")}, t0) ==
        repeat(rate_verdict::node_limited, 1));
  // Known nodes keep their buckets meanwhile.
  CHECK(limiter.admit({event("node-7")}, t0 + 10ms) ==
        repeat(rate_verdict::allowed, 1));
  // The buckets are full again, but the next sweep is not due yet.
  CHECK(limiter.admit({event("newcomer")}, t0 + 500ms) ==
        repeat(rate_verdict::node_limited, 1));
  // Once it is, full buckets go and the newcomer gets one.
  CHECK(limiter.admit({event("newcomer")}, t0 + 1s) ==
        repeat(rate_verdict::allowed, 1));
  CHECK(limiter.admit({event("another")}, t0 + 1s) ==
        repeat(rate_verdict::allowed, 1));
}
