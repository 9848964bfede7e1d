// A running deltascand that holds too many drift events refuses the batch
// that would exceed the bound with 429 and a Retry-After, names the bound,
// and takes batches again that fit.
#include "tests/daemon/daemon_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace deltascan;
using namespace deltascan::e2e;

TEST_CASE("a batch over the pending drift events is refused with 429",
          "[daemon][overload]") {
  daemon_fixture f{[](daemon_config& config) {
    config.server.max_pending_events = 1;
    config.server.overload_retry_after = std::chrono::seconds{4};
  }};
  auto two_drifts =
      batch_json("too-much", {drift_event_json("e-1", test_digest(0x9000)),
                              drift_event_json("e-2", test_digest(0x9001))});
  auto res = exchange_once(f.endpoint(), post_batch(two_drifts));
  REQUIRE(res);
  INFO(res->body());
  CHECK(res->result() == http::status::too_many_requests);
  CHECK((*res)[http::field::retry_after] == "4");
  CHECK((*res)[http::field::content_type] == "application/problem+json");
  auto problem = parse_problem(res->body());
  REQUIRE(problem);
  CHECK(problem->status == 429);
  CHECK(problem->type ==
        "https://deltascan.dev/problems/too-many-pending-events");
  CHECK_THAT(problem->detail, Catch::Contains("server.max_pending_events"));
  CHECK(f.scanner.stub().stats().received == 0);

  // The refused batch holds nothing: one that fits is taken.
  auto counts =
      post_ok(f.endpoint(), drift_batch("fits", "e-3", test_digest(0x9002)));
  CHECK(counts.triggered == 1);
  CHECK(f.scanner.stub().stats().received == 1);
}
