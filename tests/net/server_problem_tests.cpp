// The pieces of a reply that need no socket: problem details for bad
// batches, and the responder's promise of exactly one reply or a closed
// connection.
#include "net/problem.hpp"
#include "net/request_handler.hpp"
#include "tests/net/server_test_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace deltascan::net;
using namespace deltascan::net::server_test;

namespace {

/// Counts what a responder does with its reply.
class counting_sink : public responder::sink {
public:
  void deliver(http_response res) override {
    ++delivered;
    last_status = res.result_int();
  }

  void abandon() override { ++abandoned; }

  std::atomic<int> delivered{0};
  std::atomic<int> abandoned{0};
  std::atomic<unsigned> last_status{0};
};

} // namespace

TEST_CASE("a problem reply carries the RFC 9457 members") {
  auto res = make_problem(http::status::unsupported_media_type,
                          "batches must be \"application/json\"", 11, true);
  CHECK(res.result() == http::status::unsupported_media_type);
  CHECK(res[http::field::content_type] == "application/problem+json");
  CHECK(res.keep_alive());
  CHECK(res[http::field::content_length] == std::to_string(res.body().size()));
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->type == "about:blank");
  CHECK(problem->title == "Unsupported Media Type");
  CHECK(problem->status == 415);
  CHECK(problem->detail == "batches must be \"application/json\"");
}

TEST_CASE("a problem of a specific kind names it in its type") {
  auto res = make_problem(http::status::bad_request,
                          problem_kind{"invalid-batch", "Invalid event batch"},
                          "events[3].kind is missing", 10, false);
  CHECK(res.version() == 10);
  CHECK_FALSE(res.keep_alive());
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->type == "https://deltascan.dev/problems/invalid-batch");
  CHECK(problem->title == "Invalid event batch");
  CHECK(problem->status == 400);
  CHECK(problem->detail == "events[3].kind is missing");
}

TEST_CASE("a responder delivers the first reply of all its copies") {
  auto sink = std::make_shared<counting_sink>();
  {
    responder reply{sink};
    auto copy = reply;
    CHECK_FALSE(copy.sent());
    copy.send(http_response{http::status::accepted, 11});
    reply.send(http_response{http::status::ok, 11});
    CHECK(reply.sent());
  }
  CHECK(sink->delivered == 1);
  CHECK(sink->last_status == 202);
  CHECK(sink->abandoned == 0);
}

TEST_CASE("a responder dropped without a reply abandons the request once") {
  auto sink = std::make_shared<counting_sink>();
  {
    responder reply{sink};
    auto copy = reply;
    auto moved = std::move(reply);
  }
  CHECK(sink->delivered == 0);
  CHECK(sink->abandoned == 1);
}

TEST_CASE("copies racing to reply deliver exactly one reply") {
  auto sink = std::make_shared<counting_sink>();
  {
    responder reply{sink};
    std::vector<std::thread> racers;
    for (int i = 0; i < 4; ++i)
      racers.emplace_back([reply] {
        reply.send(http_response{http::status::ok, 11});
      });
    for (auto& racer : racers)
      racer.join();
  }
  CHECK(sink->delivered == 1);
  CHECK(sink->abandoned == 0);
}
