// The circuit breaker's state machine, driven by explicit time points.
#include "model/circuit_breaker.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;
using namespace std::chrono_literals;

namespace {

using time_point = circuit_breaker::time_point;

const time_point t0{};

circuit_breaker breaker(std::size_t failures = 3) {
  return circuit_breaker{breaker_policy{failures, 10s}};
}

} // namespace

TEST_CASE("the breaker opens after consecutive failures only") {
  auto b = breaker();
  CHECK_FALSE(b.record_failure(t0));
  CHECK_FALSE(b.record_failure(t0));
  // A success in between starts the count again.
  CHECK_FALSE(b.record_success());
  CHECK_FALSE(b.record_failure(t0));
  CHECK_FALSE(b.record_failure(t0));
  CHECK(b.allow(t0));
  CHECK(b.record_failure(t0) == breaker_state::open);
  CHECK(b.state() == breaker_state::open);
  CHECK_FALSE(b.allow(t0 + 9s));
}

TEST_CASE("after the open period exactly one probe goes through") {
  auto b = breaker(1);
  b.record_failure(t0);
  CHECK_FALSE(b.poll(t0 + 9999ms));
  CHECK(b.poll(t0 + 10s) == breaker_state::half_open);
  CHECK(b.allow(t0 + 10s));
  CHECK_FALSE(b.allow(t0 + 10s));
  CHECK_FALSE(b.allow(t0 + 20s));
  CHECK(b.record_success() == breaker_state::closed);
  CHECK(b.allow(t0 + 20s));
  CHECK(b.allow(t0 + 20s));
}

TEST_CASE("a failed probe reopens the breaker for a full period") {
  auto b = breaker(2);
  b.record_failure(t0);
  b.record_failure(t0);
  REQUIRE(b.allow(t0 + 10s)); // turns half-open on its own
  CHECK(b.record_failure(t0 + 11s) == breaker_state::open);
  CHECK_FALSE(b.allow(t0 + 20s));
  CHECK(b.reopens_at() == t0 + 21s);
  CHECK(b.allow(t0 + 21s));
}

TEST_CASE("a breaker with zero failures never opens") {
  auto b = breaker(0);
  for (int i = 0; i < 100; ++i)
    CHECK_FALSE(b.record_failure(t0));
  CHECK(b.allow(t0));
  CHECK(b.state() == breaker_state::closed);
}

TEST_CASE("failures of attempts started before opening change nothing") {
  auto b = breaker(1);
  CHECK(b.record_failure(t0) == breaker_state::open);
  CHECK_FALSE(b.record_failure(t0 + 5s));
  CHECK(b.reopens_at() == t0 + 10s);
}
