// A running deltascand at one of its bounds (drift events pending, batches
// in progress) refuses with 429 and a Retry-After, names the bound, counts
// the refusal, and takes batches again once there is room.
#include "net/stub_scanner.hpp"
#include "tests/daemon/daemon_fixture.hpp"
#include "tests/daemon/http_test_client.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace deltascan;
using namespace deltascan::e2e;
using namespace std::chrono_literals;

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

TEST_CASE("batches beyond the bound in progress are refused with 429, and "
          "taken again once one is answered",
          "[daemon][overload]") {
  daemon_fixture f{[](daemon_config& config) {
    config.server.max_batches_in_progress = 1;
    config.server.overload_retry_after = std::chrono::seconds{2};
    config.scanner.timeout = 10s;
  }};
  // The scanner sits on the first submission, so its batch stays in
  // progress until the answer comes.
  REQUIRE(f.scanner.stub().script_faults({net::stub_fault::slow(1500ms)}));
  http_test_client holder;
  REQUIRE_FALSE(holder.connect(f.endpoint()));
  REQUIRE_FALSE(
      holder.send(post_batch(drift_batch("held", "e-1", test_digest(0x9100)))));
  REQUIRE(eventually([&] { return f.scanner.stub().stats().received == 1; }));

  auto refused = exchange_once(
      f.endpoint(),
      post_batch(drift_batch("refused", "e-2", test_digest(0x9101))));
  REQUIRE(refused);
  INFO(refused->body());
  CHECK(refused->result() == http::status::too_many_requests);
  CHECK((*refused)[http::field::retry_after] == "2");
  auto problem = parse_problem(refused->body());
  REQUIRE(problem);
  CHECK(problem->type == "https://deltascan.dev/problems/too-many-batches");
  CHECK_THAT(problem->detail,
             Catch::Contains("server.max_batches_in_progress"));
  CHECK(metric(f.endpoint(), "deltascan_batches_refused_in_progress_total") ==
        1);

  net::http_response held;
  REQUIRE_FALSE(holder.receive(held));
  CHECK(held.result() == http::status::ok);
  // The refused batch was never read: its image was not submitted, and it
  // is taken now that the slot is free.
  auto counts =
      post_ok(f.endpoint(), drift_batch("again", "e-2", test_digest(0x9101)));
  CHECK(counts.triggered == 1);
  CHECK(f.scanner.stub().stats().received == 2);
}
