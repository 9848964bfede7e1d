// The stub scanner must answer scan submissions like the real scanner (so
// deltascand's client can be tested against it) and report faithfully what
// it received (so tests can count submissions per drifted image).
#include "net/problem.hpp"
#include "net/stub_scanner.hpp"
#include "tests/net/server_test_support.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <future>

using namespace deltascan::net;
using namespace deltascan::net::server_test;

namespace {

std::string submission(std::string_view digest,
                       std::string_view request_id = "req-1") {
  return R"({"image":{"digest":")" + std::string{digest} +
         R"(","repository":"shop/cart"},"clientRequestId":")" +
         std::string{request_id} + R"(","reason":"drift"})";
}

http_request scan_request(std::string body) {
  return make_request(http::verb::post, "/api/v1/scans", std::move(body),
                      "application/json");
}

/// The members of a 202 reply.
struct scan_reply {
  std::string scan_id;
  std::string status;
  std::string location;
  bool created = false;
};

scan_reply parse_scan_reply(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  REQUIRE_FALSE(parser.parse(body).get(object));
  scan_reply reply;
  std::string_view text;
  REQUIRE_FALSE(object["scanId"].get(text));
  reply.scan_id.assign(text);
  REQUIRE_FALSE(object["status"].get(text));
  reply.status.assign(text);
  REQUIRE_FALSE(object["location"].get(text));
  reply.location.assign(text);
  REQUIRE_FALSE(object["created"].get(reply.created));
  return reply;
}

/// A stub scanner served on a loopback port, with a connected client.
struct stub_fixture {
  explicit stub_fixture(stub_scanner_options options = {}) {
    stub = std::make_shared<stub_scanner>(runner.io_context().get_executor(),
                                          options);
    runner.start(stub);
    REQUIRE_FALSE(client.connect(runner.endpoint()));
  }

  http_response submit(std::string body,
                       std::optional<std::string> authorization = {}) {
    auto req = scan_request(std::move(body));
    if (authorization)
      req.set(http::field::authorization, *authorization);
    return client.exchange(req);
  }

  server_runner runner;
  std::shared_ptr<stub_scanner> stub;
  test_client client;
};

/// Collects the reply of an in-process call to the stub.
class promised_reply : public responder::sink {
public:
  void deliver(http_response res) override {
    promise_.set_value(std::move(res));
  }

  void abandon() override {
    promise_.set_exception(
        std::make_exception_ptr(std::runtime_error{"abandoned"}));
  }

  std::future<http_response> future() { return promise_.get_future(); }

private:
  std::promise<http_response> promise_;
};

/// Calls the stub in-process and waits (bounded) for its reply.
std::optional<http_response> call(stub_scanner& stub, http_request req) {
  auto sink = std::make_shared<promised_reply>();
  auto reply = sink->future();
  stub.handle(std::move(req), responder{sink});
  if (reply.wait_for(patience) != std::future_status::ready)
    return std::nullopt;
  return reply.get();
}

} // namespace

TEST_CASE("a scan submission is queued with 202") {
  stub_fixture fixture;
  auto res = fixture.submit(submission("sha256:aaa"));
  CHECK(res.result() == http::status::accepted);
  CHECK(res[http::field::content_type] == "application/json");
  auto reply = parse_scan_reply(res.body());
  CHECK_FALSE(reply.scan_id.empty());
  CHECK(reply.status == "queued");
  CHECK(reply.location == "/api/v1/scans/" + reply.scan_id);
  CHECK(res[http::field::location] == reply.location);
  CHECK(reply.created);
}

TEST_CASE("a digest submitted again keeps its scan id and is not created") {
  stub_fixture fixture;
  auto first =
      parse_scan_reply(fixture.submit(submission("sha256:aaa", "r1")).body());
  auto again =
      parse_scan_reply(fixture.submit(submission("sha256:aaa", "r2")).body());
  auto other =
      parse_scan_reply(fixture.submit(submission("sha256:bbb", "r3")).body());
  CHECK(first.created);
  CHECK(again.scan_id == first.scan_id);
  CHECK_FALSE(again.created);
  CHECK(other.scan_id != first.scan_id);
  CHECK(other.created);
  auto stats = fixture.stub->stats();
  CHECK(stats.received == 3);
  CHECK(stats.accepted == 3);
  CHECK(stats.failed == 0);
}

TEST_CASE("a malformed submission gets 400 naming what is wrong") {
  auto [body, detail] = GENERATE(table<std::string, std::string>({
      {"{not json", "body is not valid JSON"},
      {"[1,2]", "body must be a JSON object"},
      {R"({"clientRequestId":"r"})", "field image.digest must be a string"},
      {R"({"image":{"digest":7},"clientRequestId":"r"})",
       "field image.digest must be a string"},
      {R"({"image":{"digest":"sha256:a"}})",
       "field clientRequestId must be a string"},
  }));
  stub_fixture fixture;
  auto res = fixture.submit(body);
  CHECK(res.result() == http::status::bad_request);
  CHECK(res[http::field::content_type] == problem_content_type);
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->status == 400);
  CHECK(problem->detail.rfind(detail, 0) == 0);
  auto stats = fixture.stub->stats();
  CHECK(stats.received == 1);
  CHECK(stats.accepted == 0);
}

TEST_CASE("a submission that is not JSON by content type gets 415") {
  stub_fixture fixture;
  auto req = make_request(http::verb::post, "/api/v1/scans",
                          submission("sha256:aaa"), "text/plain");
  auto res = fixture.client.exchange(req);
  CHECK(res.result() == http::status::unsupported_media_type);
  CHECK(fixture.stub->stats().received == 0);
}

TEST_CASE("JSON with a charset parameter is accepted") {
  stub_fixture fixture;
  auto req =
      make_request(http::verb::post, "/api/v1/scans", submission("sha256:aaa"),
                   "Application/JSON; charset=utf-8");
  CHECK(fixture.client.exchange(req).result() == http::status::accepted);
}

TEST_CASE("a failure rate of 1 answers 500 and does not register the digest") {
  stub_scanner_options options;
  options.failure_rate = 1.0;
  stub_fixture fixture{options};
  auto failed = fixture.submit(submission("sha256:aaa"));
  CHECK(failed.result() == http::status::internal_server_error);
  auto problem = parse_problem(failed.body());
  REQUIRE(problem);
  CHECK(problem->detail == "injected failure for image sha256:aaa");
  fixture.stub->set_failure_rate(0.0);
  auto accepted = fixture.submit(submission("sha256:aaa"));
  CHECK(accepted.result() == http::status::accepted);
  CHECK(parse_scan_reply(accepted.body()).created);
  auto stats = fixture.stub->stats();
  CHECK(stats.received == 2);
  CHECK(stats.accepted == 1);
  CHECK(stats.failed == 1);
}

TEST_CASE("failures follow the seed") {
  server_runner runner;
  auto outcomes = [&](std::uint64_t seed) {
    stub_scanner_options options;
    options.failure_rate = 0.5;
    options.seed = seed;
    stub_scanner stub{runner.io_context().get_executor(), options};
    std::string pattern;
    for (int i = 0; i < 32; ++i) {
      auto res =
          call(stub, scan_request(submission("sha256:" + std::to_string(i))));
      REQUIRE(res);
      pattern += res->result() == http::status::accepted ? 'a' : 'f';
    }
    return pattern;
  };
  auto first = outcomes(7);
  CHECK(first == outcomes(7));
  CHECK(first.find('a') != std::string::npos);
  CHECK(first.find('f') != std::string::npos);
}

TEST_CASE("latency delays the reply on a timer, which still arrives") {
  server_runner runner;
  stub_scanner stub{runner.io_context().get_executor()};
  stub.set_latency(50ms);
  auto res = call(stub, scan_request(submission("sha256:aaa")));
  REQUIRE(res);
  CHECK(res->result() == http::status::accepted);
  stub.set_latency(0ms);
  auto quick = call(stub, scan_request(submission("sha256:aaa")));
  REQUIRE(quick);
  CHECK_FALSE(parse_scan_reply(quick->body()).created);
}

TEST_CASE("the stub reports what it received over HTTP and in process") {
  stub_fixture fixture;
  auto first_body = submission("sha256:aaa", "r1");
  auto second_body = submission("sha256:bbb", "r2");
  fixture.submit(first_body, "Bearer s3cret");
  fixture.submit(second_body);

  auto stats =
      fixture.client.exchange(make_request(http::verb::get, "/stub/stats"));
  CHECK(stats.result() == http::status::ok);
  CHECK(stats.body() == R"({"received":2,"accepted":2,"failed":0})");

  auto listed =
      fixture.client.exchange(make_request(http::verb::get, "/stub/requests"));
  CHECK(listed.result() == http::status::ok);
  simdjson::dom::parser parser;
  simdjson::dom::array entries;
  REQUIRE_FALSE(parser.parse(listed.body()).get(entries));
  REQUIRE(entries.size() == 2);
  std::string_view text;
  REQUIRE_FALSE(entries.at(0)["body"].get(text));
  CHECK(text == first_body);
  REQUIRE_FALSE(entries.at(0)["authorization"].get(text));
  CHECK(text == "Bearer s3cret");
  REQUIRE_FALSE(entries.at(1)["body"].get(text));
  CHECK(text == second_body);
  CHECK(entries.at(1)["authorization"].is_null());

  auto recorded = fixture.stub->requests();
  REQUIRE(recorded.size() == 2);
  CHECK(recorded[0].body == first_body);
  CHECK(recorded[0].authorization == "Bearer s3cret");
  CHECK_FALSE(recorded[1].authorization);
}

TEST_CASE("the stub keeps only the most recent submissions") {
  stub_scanner_options options;
  options.max_recorded = 2;
  stub_fixture fixture{options};
  for (auto digest : {"sha256:a", "sha256:b", "sha256:c"})
    fixture.submit(submission(digest));
  auto recorded = fixture.stub->requests();
  REQUIRE(recorded.size() == 2);
  CHECK(recorded[0].body == submission("sha256:b"));
  CHECK(recorded[1].body == submission("sha256:c"));
  CHECK(fixture.stub->stats().received == 3);
}

TEST_CASE("a reset forgets counts, submissions and digests") {
  stub_fixture fixture;
  fixture.submit(submission("sha256:aaa"));
  auto reset =
      fixture.client.exchange(make_request(http::verb::post, "/stub/reset"));
  CHECK(reset.result() == http::status::ok);
  auto stats = fixture.stub->stats();
  CHECK(stats.received == 0);
  CHECK(stats.accepted == 0);
  CHECK(fixture.stub->requests().empty());
  auto listed =
      fixture.client.exchange(make_request(http::verb::get, "/stub/requests"));
  CHECK(listed.body() == "[]");
  auto again = fixture.submit(submission("sha256:aaa"));
  CHECK(parse_scan_reply(again.body()).created);
}

TEST_CASE("unknown paths get 404 and wrong methods 405 with Allow") {
  stub_fixture fixture;
  auto missing =
      fixture.client.exchange(make_request(http::verb::get, "/api/v2/scans"));
  CHECK(missing.result() == http::status::not_found);
  auto problem = parse_problem(missing.body());
  REQUIRE(problem);
  CHECK(problem->detail == "no resource at /api/v2/scans");

  auto get_scans =
      fixture.client.exchange(make_request(http::verb::get, "/api/v1/scans"));
  CHECK(get_scans.result() == http::status::method_not_allowed);
  CHECK(get_scans[http::field::allow] == "POST");
  CHECK(get_scans[http::field::content_type] == problem_content_type);

  auto post_stats =
      fixture.client.exchange(make_request(http::verb::post, "/stub/stats"));
  CHECK(post_stats.result() == http::status::method_not_allowed);
  CHECK(post_stats[http::field::allow] == "GET");
}
