// How deltascand refuses what an observer should not send (broken JSON,
// wrong types, unknown routes, wrong methods, oversized batches, other media
// types) and batches that arrive while it shuts down: each refusal is a
// problem+json reply that names the fault, and the daemon keeps taking
// valid batches afterwards, on the same connection when it stays open.
#include "actors/batch_gateway.hpp"
#include "net/daemon_handler.hpp"
#include "tests/daemon/daemon_fixture.hpp"

#include <boost/asio/error.hpp>

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace deltascan;
using namespace deltascan::e2e;

namespace {

constexpr std::size_t body_limit = 8192;
constexpr std::size_t event_limit = 3;

void small_limits(daemon_config& config) {
  config.server.max_body_bytes = body_limit;
  config.server.max_batch_events = event_limit;
}

std::string problem_type(std::string_view slug) {
  return "https://deltascan.dev/problems/" + std::string{slug};
}

/// One request the daemon must refuse, and how.
struct refusal {
  std::string name;
  net::http_request request;
  http::status status;
  std::string type;
  std::string title;
  /// Text the problem's detail must contain, e.g. the JSON path.
  std::vector<std::string> detail_mentions;
  /// The Allow header a 405 must carry.
  std::string allow;
  /// Whether the server may keep the connection: not when the body was
  /// left unread, since its bytes would be taken for the next request.
  bool keeps_connection;
};

std::vector<refusal> refusals() {
  auto drift = drift_event_json("e-1", test_digest(1));
  std::string oversized = batch_json("huge", {drift});
  oversized.insert(oversized.size() - 1,
                   R"(,"padding":")" + std::string(body_limit, 'x') + "\"");
  std::vector<std::string> too_many;
  for (std::size_t i = 0; i <= event_limit; ++i)
    too_many.push_back(start_event_json("s-" + std::to_string(i)));
  return {
      {"malformed JSON",
       post_batch(R"({"batchId":"bad","events":[{"event":{"eventId":"e-1",)"
                  R"("kind":"Drift","annotations":{"observer":tru}}}]})"),
       http::status::bad_request,
       problem_type("invalid-batch"),
       "Invalid batch",
       {"events[0].event.annotations.observer", "malformed JSON"},
       "",
       true},
      {"not JSON at all",
       post_batch("drift happened"),
       http::status::bad_request,
       problem_type("invalid-batch"),
       "Invalid batch",
       {"$: malformed JSON"},
       "",
       true},
      {"wrong field type",
       post_batch(R"({"batchId":"typed","events":[{"event":{"eventId":42,)"
                  R"("kind":"Drift"}}]})"),
       http::status::bad_request,
       problem_type("invalid-batch"),
       "Invalid batch",
       {"events[0].event.eventId", "expected a string"},
       "",
       true},
      {"events not an array",
       post_batch(R"({"batchId":"typed","events":{"event":{}}})"),
       http::status::bad_request,
       problem_type("invalid-batch"),
       "Invalid batch",
       {"events: expected an array"},
       "",
       true},
      {"unknown path",
       make_request(http::verb::get, "/api/v1/drift"),
       http::status::not_found,
       "about:blank",
       "Not Found",
       {"/api/v1/drift", "/api/v1/runtime/events"},
       "",
       true},
      {"GET on the events path",
       make_request(http::verb::get, "/api/v1/runtime/events"),
       http::status::method_not_allowed,
       "about:blank",
       "Method Not Allowed",
       {"POST"},
       "POST",
       true},
      {"POST on metrics",
       make_request(http::verb::post, "/metrics", "{}", "application/json"),
       http::status::method_not_allowed,
       "about:blank",
       "Method Not Allowed",
       {"GET"},
       "GET",
       false},
      {"body over max_body_bytes",
       post_batch(oversized),
       http::status::payload_too_large,
       "about:blank",
       "Payload Too Large",
       {std::to_string(body_limit)},
       "",
       false},
      {"more events than max_batch_events",
       post_batch(batch_json("crowded", too_many)),
       http::status::payload_too_large,
       problem_type("batch-too-large"),
       "Batch too large",
       {"more than 3 events"},
       "",
       true},
      {"text/plain body",
       post_batch(batch_json("plain", {drift}), "text/plain"),
       http::status::unsupported_media_type,
       problem_type("unsupported-media-type"),
       "Unsupported media type",
       {"application/json", "text/plain"},
       "",
       false},
      {"no Content-Type",
       post_batch(batch_json("untyped", {drift}), ""),
       http::status::unsupported_media_type,
       problem_type("unsupported-media-type"),
       "Unsupported media type",
       {"no Content-Type"},
       "",
       false},
  };
}

// Checks that a reply is the problem+json the refusal calls for.
void check_problem(const net::http_response& res, const refusal& expected) {
  INFO("reply: " << res.body());
  CHECK(res.result() == expected.status);
  CHECK(res[http::field::content_type] == "application/problem+json");
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->type == expected.type);
  CHECK(problem->title == expected.title);
  CHECK(problem->status == static_cast<unsigned>(expected.status));
  for (const auto& mention : expected.detail_mentions)
    CHECK_THAT(problem->detail, Catch::Contains(mention));
  if (!expected.allow.empty())
    CHECK(res[http::field::allow] == expected.allow);
}

// Posts a batch of a new image and checks that it triggers a scan.
void check_batch_succeeds(http_test_client& client, std::uint64_t digest) {
  auto id = "after-" + std::to_string(digest);
  auto res = client.exchange(
      post_batch(drift_batch(id, "event-" + id, test_digest(digest))));
  REQUIRE(res);
  INFO("reply: " << res->body());
  CHECK(res->result() == http::status::ok);
  auto counts = parse_batch_reply(res->body());
  REQUIRE(counts);
  CHECK(counts->batch_id == id);
  CHECK(counts->triggered == 1);
}

// The server closes its listener on its own threads, possibly just after
// drain() has returned: wait (bounded) for new connections to be refused.
bool refuses_connections(const tcp::endpoint& ep) {
  return eventually([&] {
    http_test_client late;
    return late.connect(ep) == boost::asio::error::connection_refused;
  });
}

/// Stands in for the actor core where only the handler's routing matters.
class refusing_gateway final : public batch_gateway {
public:
  void post(std::string, completion done) override {
    ++posted;
    done(batch_reply{std::nullopt, ec::internal, "not expected"});
  }

  std::atomic<int> posted{0};
};

} // namespace

TEST_CASE("every refusal is a problem and the daemon carries on",
          "[daemon][errors]") {
  daemon_fixture f{small_limits};
  std::uint64_t next_digest = 1000;
  for (const auto& expected : refusals()) {
    DYNAMIC_SECTION(expected.name) {
      http_test_client client;
      REQUIRE_FALSE(client.connect(f.endpoint()));
      auto res = client.exchange(expected.request);
      REQUIRE(res);
      check_problem(*res, expected);
      CHECK(res->keep_alive() == expected.keeps_connection);
      if (res->keep_alive())
        check_batch_succeeds(client, ++next_digest);
      else
        CHECK(client.closed_by_server());
      http_test_client fresh;
      REQUIRE_FALSE(fresh.connect(f.endpoint()));
      check_batch_succeeds(fresh, ++next_digest);
      // Refused batches never reach the scanner.
      CHECK(f.scanner.stub().stats().received == (res->keep_alive() ? 2u : 1u));
    }
  }
}

TEST_CASE("refusals in a row leave one connection usable",
          "[daemon][errors][keep-alive]") {
  daemon_fixture f{small_limits};
  http_test_client client;
  REQUIRE_FALSE(client.connect(f.endpoint()));
  std::uint64_t next_digest = 2000;
  for (const auto& expected : refusals()) {
    if (!expected.keeps_connection)
      continue;
    INFO(expected.name);
    auto res = client.exchange(expected.request);
    REQUIRE(res);
    check_problem(*res, expected);
    REQUIRE(res->keep_alive());
  }
  check_batch_succeeds(client, ++next_digest);
}

TEST_CASE("a draining daemon turns unready, finishes what it started and "
          "takes no new connections",
          "[daemon][errors][drain]") {
  SECTION("a request that began before the drain sees /readyz 503") {
    daemon_fixture f;
    http_test_client probe;
    REQUIRE_FALSE(probe.connect(f.endpoint()));
    // The head asks for 100 Continue: once it arrives the server has read
    // the head and counts the request as in progress, so the drain neither
    // closes the connection nor can finish before the body is sent.
    REQUIRE_FALSE(probe.send_raw("GET /readyz HTTP/1.1\r\n"
                                 "Host: 127.0.0.1\r\n"
                                 "Content-Length: 2\r\n"
                                 "Expect: 100-continue\r\n\r\n"));
    net::http_response interim;
    REQUIRE_FALSE(probe.receive(interim));
    REQUIRE(interim.result() == http::status::continue_);
    CHECK_FALSE(f.daemon->app().drain(1ms));
    REQUIRE_FALSE(probe.send_raw("{}"));
    net::http_response res;
    REQUIRE_FALSE(probe.receive(res));
    INFO("reply: " << res.body());
    CHECK(res.result() == http::status::service_unavailable);
    CHECK(res[http::field::content_type] == "application/problem+json");
    CHECK(res[http::field::retry_after] == "1");
    auto problem = parse_problem(res.body());
    REQUIRE(problem);
    CHECK(problem->type == "https://deltascan.dev/problems/not-ready");
    CHECK(problem->status == 503);
    CHECK_THAT(problem->detail, Catch::Contains("shutting down"));
    // Whether this reply or the drain of the idle connection ends it.
    CHECK(probe.closed_by_server());
    CHECK(f.daemon->app().drain(patience));
    CHECK(refuses_connections(f.endpoint()));
  }
  SECTION("a batch in flight when the drain begins is answered") {
    net::stub_scanner_options slow;
    slow.latency = 1000ms;
    daemon_fixture f{{}, slow};
    std::optional<net::http_response> reply;
    std::thread observer{[&] {
      reply = exchange_once(
          f.endpoint(),
          post_batch(drift_batch("inflight", "e-1", test_digest(0x1f))));
    }};
    // The scanner holding the submission means the batch is in flight.
    bool submitted =
        eventually([&] { return f.scanner.stub().stats().received == 1; });
    bool drained = submitted && f.daemon->app().drain(patience);
    observer.join();
    REQUIRE(submitted);
    CHECK(drained);
    REQUIRE(reply);
    INFO("reply: " << reply->body());
    CHECK(reply->result() == http::status::ok);
    auto counts = parse_batch_reply(reply->body());
    REQUIRE(counts);
    CHECK(counts->triggered == 1);
    CHECK(refuses_connections(f.endpoint()));
  }
}

TEST_CASE("the batch route answers 503 unless the daemon is ready",
          "[daemon][errors][drain]") {
  // Which phase a request meets is a race over a socket, so the routing
  // rule itself is checked on the handler.
  refusing_gateway gateway;
  auto status = std::make_shared<net::daemon_status>();
  net::daemon_handler handler{gateway, std::make_shared<prometheus::Registry>(),
                              status};
  auto req = post_batch(drift_batch("b", "e-1", test_digest(2)));
  net::request_hold hold;
  auto expect_503 = [&](std::string_view mention) {
    auto res = handler.check_header(req.base(), hold);
    REQUIRE(res);
    INFO("reply: " << res->body());
    CHECK(res->result() == http::status::service_unavailable);
    CHECK((*res)[http::field::retry_after] == "1");
    auto problem = parse_problem(res->body());
    REQUIRE(problem);
    CHECK(problem->type == "https://deltascan.dev/problems/not-ready");
    CHECK_THAT(problem->detail, Catch::Contains(std::string{mention}));
  };
  expect_503("starting");
  status->set(net::daemon_phase::ready);
  CHECK_FALSE(handler.check_header(req.base(), hold));
  hold.reset();
  status->set(net::daemon_phase::draining);
  expect_503("shutting down");
  CHECK(gateway.posted == 0);
}
