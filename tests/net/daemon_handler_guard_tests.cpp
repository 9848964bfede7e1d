// The guards in front of deltascand's batch route: observers' bearer tokens
// (and, when asked, on metrics and health), the bound on batches in
// progress, and the core's refusal when too many drift events are pending.
// The handler is driven directly with a stand-in for the actor core, and
// over loopback where the server's part (closing a connection whose body
// was left unread) matters.
#include "actors/batch_gateway.hpp"
#include "net/bearer_auth.hpp"
#include "net/daemon_handler.hpp"
#include "net/problem.hpp"
#include "tests/net/server_test_support.hpp"

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace deltascan;
using namespace deltascan::net;
using namespace deltascan::net::server_test;

namespace {

const std::string batch_body = R"({"batchId":"b-1","events":[]})";

/// Stands in for the actor core: keeps each batch's completion until the
/// test answers it, or answers at once with a fixed reply.
class holding_gateway final : public batch_gateway {
public:
  void post(std::string, completion done) override {
    std::lock_guard lock{mutex_};
    ++posted_;
    held_.push_back(std::move(done));
  }

  bool admit() override {
    if (!saturated_)
      return true;
    ++refused_;
    return false;
  }

  /// Makes `admit` refuse, as the core does at its pending-event bound.
  void saturate(bool on) { saturated_ = on; }

  /// Batches `admit` refused.
  std::size_t refused() const { return refused_; }

  std::size_t posted() const {
    std::lock_guard lock{mutex_};
    return posted_;
  }

  std::size_t held() const {
    std::lock_guard lock{mutex_};
    return held_.size();
  }

  /// Answers the oldest held batch with `reply`.
  void answer(batch_reply reply) {
    completion done;
    {
      std::lock_guard lock{mutex_};
      REQUIRE_FALSE(held_.empty());
      done = std::move(held_.front());
      held_.pop_front();
    }
    done(std::move(reply));
  }

  /// Answers the oldest held batch as processed.
  void answer_ok() {
    batch_result result;
    result.batch_id = "b-1";
    answer(batch_reply{result, ec::no_error, {}});
  }

  /// Loses the oldest held batch without answering it.
  void drop() {
    std::lock_guard lock{mutex_};
    REQUIRE_FALSE(held_.empty());
    held_.pop_front();
  }

private:
  mutable std::mutex mutex_;
  std::size_t posted_ = 0;
  std::deque<completion> held_;
  std::atomic<bool> saturated_{false};
  std::atomic<std::size_t> refused_{0};
};

/// Keeps the reply a handler sends, in place of a connection, and like a
/// connection drops the request's hold when the reply or its absence comes.
class recording_sink final : public responder::sink {
public:
  void deliver(http_response res) override {
    std::lock_guard lock{mutex_};
    hold_.reset();
    reply_ = std::move(res);
  }

  void abandon() override {
    std::lock_guard lock{mutex_};
    hold_.reset();
    abandoned_ = true;
  }

  void keep(request_hold hold) {
    std::lock_guard lock{mutex_};
    hold_ = std::move(hold);
  }

  std::optional<http_response> reply() const {
    std::lock_guard lock{mutex_};
    return reply_;
  }

  bool abandoned() const { return abandoned_; }

private:
  mutable std::mutex mutex_;
  request_hold hold_;
  std::optional<http_response> reply_;
  std::atomic<bool> abandoned_{false};
};

http_request request(http::verb method, std::string_view target,
                     std::optional<std::string> authorization = {}) {
  auto req =
      make_request(method, target, method == http::verb::post ? batch_body : "",
                   method == http::verb::post ? "application/json" : "");
  if (authorization)
    req.set(http::field::authorization, *authorization);
  return req;
}

http_request batch_request(std::optional<std::string> authorization = {}) {
  return request(http::verb::post, "/api/v1/runtime/events",
                 std::move(authorization));
}

/// Checks a head alone; whatever the handler holds for it is let go at once,
/// as when the client goes away before sending the body.
std::optional<http_response> check_head(daemon_handler& handler,
                                        const http::request_header<>& head) {
  request_hold hold;
  return handler.check_header(head, hold);
}

/// Runs a request through the handler as the server would: the head check,
/// then `handle` unless the check refused it. Returns the reply so far.
std::optional<http_response> serve(
    daemon_handler& handler, http_request req,
    std::shared_ptr<recording_sink> sink = std::make_shared<recording_sink>()) {
  request_hold hold;
  if (auto early = handler.check_header(req.base(), hold))
    return early;
  sink->keep(std::move(hold));
  handler.handle(std::move(req), responder{sink});
  return sink->reply();
}

/// The value of the unlabelled counter `name`; -1 if it is not registered.
double counter_value(prometheus::Registry& registry, std::string_view name) {
  for (const auto& family : registry.Collect())
    if (family.name == name && !family.metric.empty())
      return family.metric.front().counter.value;
  return -1;
}

std::string problem_type(std::string_view slug) {
  return "https://deltascan.dev/problems/" + std::string{slug};
}

void check_unauthorized(const http_response& res, bool token_given) {
  CHECK(res.result() == http::status::unauthorized);
  CHECK(res[http::field::content_type] == problem_content_type);
  if (token_given)
    CHECK(res[http::field::www_authenticate] ==
          R"(Bearer realm="deltascand", error="invalid_token")");
  else
    CHECK(res[http::field::www_authenticate] == R"(Bearer realm="deltascand")");
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->status == 401);
  CHECK(problem->type == problem_type("unauthorized"));
  CHECK(problem->title == "Unauthorized");
}

// Checks a 429 of kind `slug` with its Retry-After; returns its detail.
std::string check_overloaded(const http_response& res,
                             std::string_view retry_after,
                             std::string_view slug) {
  CHECK(res.result() == http::status::too_many_requests);
  CHECK(res[http::field::retry_after] == retry_after);
  CHECK(res[http::field::content_type] == problem_content_type);
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->status == 429);
  CHECK(problem->type == problem_type(slug));
  return problem->detail;
}

struct handler_world {
  explicit handler_world(daemon_handler_settings settings)
      : handler{gateway, registry, status, std::move(settings)} {
    status->set(daemon_phase::ready);
  }

  holding_gateway gateway;
  std::shared_ptr<prometheus::Registry> registry =
      std::make_shared<prometheus::Registry>();
  std::shared_ptr<daemon_status> status = std::make_shared<daemon_status>();
  daemon_handler handler;
};

daemon_handler_settings with_tokens(std::vector<std::string> tokens) {
  daemon_handler_settings settings;
  settings.auth = std::make_shared<bearer_auth>(tokens);
  return settings;
}

} // namespace

// -- authentication -----------------------------------------------------------

TEST_CASE("a batch without an accepted bearer token is refused with 401 "
          "before its body is read",
          "[handler][auth]") {
  handler_world w{with_tokens({"node-token", "rotated-token"})};
  SECTION("no token") {
    auto res = check_head(w.handler, batch_request().base());
    REQUIRE(res);
    check_unauthorized(*res, false);
    CHECK(parse_problem(res->body())->detail.find("bearer token is required") !=
          std::string::npos);
  }
  SECTION("another scheme counts as no token") {
    auto res =
        check_head(w.handler, batch_request("Basic bm9kZTp0b2tlbg==").base());
    REQUIRE(res);
    check_unauthorized(*res, false);
  }
  SECTION("a wrong token") {
    auto res = check_head(w.handler, batch_request("Bearer guessed").base());
    REQUIRE(res);
    check_unauthorized(*res, true);
    // The refusal never echoes what was sent.
    CHECK(res->body().find("guessed") == std::string::npos);
  }
  SECTION("an empty token") {
    auto res = check_head(w.handler, batch_request("Bearer ").base());
    REQUIRE(res);
    check_unauthorized(*res, true);
  }
  CHECK(w.gateway.posted() == 0);
}

TEST_CASE("a batch with any accepted token reaches the core",
          "[handler][auth]") {
  handler_world w{with_tokens({"node-token", "rotated-token"})};
  for (auto token : {"Bearer node-token", "bearer rotated-token"}) {
    INFO(token);
    auto sink = std::make_shared<recording_sink>();
    CHECK_FALSE(serve(w.handler, batch_request(token), sink));
    w.gateway.answer_ok();
    auto res = sink->reply();
    REQUIRE(res);
    CHECK(res->result() == http::status::ok);
  }
  CHECK(w.gateway.posted() == 2);
}

TEST_CASE("tokens replaced at run time apply to the next request",
          "[handler][auth][reload]") {
  auto auth = std::make_shared<bearer_auth>(std::vector<std::string>{"old"});
  daemon_handler_settings settings;
  settings.auth = auth;
  handler_world w{settings};
  CHECK_FALSE(check_head(w.handler, batch_request("Bearer old").base()));
  auth->accept_only({"new"});
  auto refused = check_head(w.handler, batch_request("Bearer old").base());
  REQUIRE(refused);
  check_unauthorized(*refused, true);
  CHECK_FALSE(check_head(w.handler, batch_request("Bearer new").base()));
  auth->accept_all();
  CHECK_FALSE(check_head(w.handler, batch_request().base()));
}

TEST_CASE("metrics and health need a token only when protected",
          "[handler][auth]") {
  auto settings = with_tokens({"node-token"});
  SECTION("unprotected") {
    handler_world w{settings};
    for (auto target : {"/metrics", "/healthz", "/readyz"}) {
      INFO(target);
      auto res = serve(w.handler, request(http::verb::get, target));
      REQUIRE(res);
      CHECK(res->result() == http::status::ok);
    }
  }
  SECTION("metrics protected") {
    settings.protect_metrics = true;
    handler_world w{settings};
    auto refused = serve(w.handler, request(http::verb::get, "/metrics"));
    REQUIRE(refused);
    check_unauthorized(*refused, false);
    auto allowed = serve(
        w.handler, request(http::verb::get, "/metrics", "Bearer node-token"));
    REQUIRE(allowed);
    CHECK(allowed->result() == http::status::ok);
    auto health = serve(w.handler, request(http::verb::get, "/healthz"));
    REQUIRE(health);
    CHECK(health->result() == http::status::ok);
  }
  SECTION("health protected") {
    settings.protect_health = true;
    handler_world w{settings};
    for (auto target : {"/healthz", "/readyz"}) {
      INFO(target);
      auto refused =
          serve(w.handler, request(http::verb::get, target, "Bearer nope"));
      REQUIRE(refused);
      check_unauthorized(*refused, true);
      auto allowed = serve(
          w.handler, request(http::verb::get, target, "Bearer node-token"));
      REQUIRE(allowed);
      CHECK(allowed->result() == http::status::ok);
    }
    auto metrics = serve(w.handler, request(http::verb::get, "/metrics"));
    REQUIRE(metrics);
    CHECK(metrics->result() == http::status::ok);
  }
}

TEST_CASE("without auth settings every route is open", "[handler][auth]") {
  daemon_handler_settings settings;
  settings.protect_metrics = true;
  settings.protect_health = true;
  handler_world w{settings};
  CHECK_FALSE(check_head(w.handler, batch_request().base()));
  CHECK_FALSE(
      check_head(w.handler, request(http::verb::get, "/metrics").base()));
  CHECK_FALSE(
      check_head(w.handler, request(http::verb::get, "/healthz").base()));
}

// -- batches in progress ------------------------------------------------------

TEST_CASE("batches beyond the bound in progress are refused with 429 until "
          "one finishes",
          "[handler][overload]") {
  daemon_handler_settings settings;
  settings.max_batches_in_progress = 2;
  settings.overload_retry_after = std::chrono::seconds{3};
  handler_world w{settings};
  auto first = std::make_shared<recording_sink>();
  auto second = std::make_shared<recording_sink>();
  CHECK_FALSE(serve(w.handler, batch_request(), first));
  CHECK_FALSE(serve(w.handler, batch_request(), second));
  REQUIRE(w.handler.batches_in_progress() == 2);

  // At the bound: refused from the head, and the core never sees it.
  auto refused = check_head(w.handler, batch_request().base());
  REQUIRE(refused);
  CHECK_THAT(check_overloaded(*refused, "3", "too-many-batches"),
             Catch::Contains("limit of 2 batches") &&
                 Catch::Contains("server.max_batches_in_progress"));
  // Other routes stay open.
  CHECK_FALSE(
      check_head(w.handler, request(http::verb::get, "/readyz").base()));

  // The refusal is counted where operators look for it.
  CHECK(counter_value(*w.registry,
                      "deltascan_batches_refused_in_progress_total") == 1);
  CHECK(w.gateway.posted() == 2);
  CHECK(w.handler.batches_in_progress() == 2);

  // One batch finishes: its slot is free before its reply is out, and the
  // next batch is taken.
  w.gateway.answer_ok();
  REQUIRE(first->reply());
  CHECK(first->reply()->result() == http::status::ok);
  CHECK(w.handler.batches_in_progress() == 1);
  auto third = std::make_shared<recording_sink>();
  CHECK_FALSE(serve(w.handler, batch_request(), third));
  CHECK(w.gateway.posted() == 3);
  w.gateway.answer_ok();
  w.gateway.answer_ok();
  CHECK(second->reply());
  CHECK(third->reply());
  CHECK(w.handler.batches_in_progress() == 0);
}

TEST_CASE("a batch counts against the bound from its head, while its body "
          "is read",
          "[handler][overload]") {
  daemon_handler_settings settings;
  settings.max_batches_in_progress = 2;
  handler_world w{settings};
  // Two heads let through: their bodies are being read, the core has seen
  // nothing yet, and a third head is refused all the same.
  request_hold first;
  request_hold second;
  CHECK_FALSE(w.handler.check_header(batch_request().base(), first));
  CHECK_FALSE(w.handler.check_header(batch_request().base(), second));
  CHECK(first);
  CHECK(second);
  CHECK(w.handler.batches_in_progress() == 2);
  CHECK(w.gateway.posted() == 0);
  request_hold third;
  auto refused = w.handler.check_header(batch_request().base(), third);
  REQUIRE(refused);
  CHECK(refused->result() == http::status::too_many_requests);
  CHECK_FALSE(third);

  // A client that goes away before its body is read frees its slot.
  first.reset();
  CHECK(w.handler.batches_in_progress() == 1);
  CHECK_FALSE(w.handler.check_header(batch_request().base(), third));
  CHECK(w.handler.batches_in_progress() == 2);
  // Routes other than batches hold nothing.
  request_hold probe;
  CHECK_FALSE(w.handler.check_header(request(http::verb::get, "/readyz").base(),
                                     probe));
  CHECK_FALSE(probe);
}

TEST_CASE("a batch refused for pending drift events holds no slot",
          "[handler][overload]") {
  daemon_handler_settings settings;
  settings.max_batches_in_progress = 1;
  handler_world w{settings};
  w.gateway.saturate(true);
  request_hold hold;
  auto refused = w.handler.check_header(batch_request().base(), hold);
  REQUIRE(refused);
  CHECK(parse_problem(refused->body())->type ==
        problem_type("too-many-pending-events"));
  CHECK_FALSE(hold);
  CHECK(w.handler.batches_in_progress() == 0);
  CHECK(counter_value(*w.registry,
                      "deltascan_batches_refused_in_progress_total") == 0);
}

TEST_CASE("a batch the core loses frees its slot", "[handler][overload]") {
  daemon_handler_settings settings;
  settings.max_batches_in_progress = 1;
  handler_world w{settings};
  auto sink = std::make_shared<recording_sink>();
  CHECK_FALSE(serve(w.handler, batch_request(), sink));
  CHECK(check_head(w.handler, batch_request().base()));
  w.gateway.drop();
  CHECK(w.handler.batches_in_progress() == 0);
  CHECK(sink->abandoned());
  CHECK_FALSE(check_head(w.handler, batch_request().base()));
}

TEST_CASE("no bound on batches in progress by default", "[handler][overload]") {
  handler_world w{daemon_handler_settings{}};
  for (int i = 0; i < 50; ++i)
    CHECK_FALSE(serve(w.handler, batch_request()));
  CHECK(w.handler.batches_in_progress() == 50);
  CHECK(w.gateway.held() == 50);
  for (int i = 0; i < 50; ++i)
    w.gateway.answer_ok();
  CHECK(w.handler.batches_in_progress() == 0);
}

TEST_CASE("the core's refusal for pending drift events becomes 429",
          "[handler][overload]") {
  daemon_handler_settings settings;
  settings.overload_retry_after = std::chrono::seconds{7};
  settings.max_pending_events = 5000;
  handler_world w{settings};
  auto sink = std::make_shared<recording_sink>();
  CHECK_FALSE(serve(w.handler, batch_request(), sink));
  w.gateway.answer(batch_reply{std::nullopt, ec::overloaded,
                               "the batch's 12 drift events would exceed "
                               "the pending drift events"});
  auto res = sink->reply();
  REQUIRE(res);
  CHECK_THAT(check_overloaded(*res, "7", "too-many-pending-events"),
             Catch::Contains("12 drift events") && Catch::Contains("5000") &&
                 Catch::Contains("server.max_pending_events"));
  CHECK(w.handler.batches_in_progress() == 0);
}

TEST_CASE("a core at its pending-event bound gets no batch: 429 from the head",
          "[handler][overload]") {
  daemon_handler_settings settings;
  settings.overload_retry_after = std::chrono::seconds{4};
  settings.max_pending_events = 5000;
  settings.auth =
      std::make_shared<bearer_auth>(std::vector<std::string>{"node-token"});
  handler_world w{settings};
  w.gateway.saturate(true);
  // Authentication still comes first, and asks the core nothing.
  auto anonymous = check_head(w.handler, batch_request().base());
  REQUIRE(anonymous);
  CHECK(anonymous->result() == http::status::unauthorized);
  CHECK(w.gateway.refused() == 0);

  auto refused =
      check_head(w.handler, batch_request("Bearer node-token").base());
  REQUIRE(refused);
  CHECK_THAT(check_overloaded(*refused, "4", "too-many-pending-events"),
             Catch::Contains("5000") &&
                 Catch::Contains("server.max_pending_events"));
  CHECK(w.gateway.refused() == 1);
  CHECK(w.gateway.posted() == 0);
  // Metrics and probes are not batches.
  CHECK_FALSE(check_head(
      w.handler,
      request(http::verb::get, "/readyz", "Bearer node-token").base()));

  w.gateway.saturate(false);
  CHECK_FALSE(check_head(w.handler, batch_request("Bearer node-token").base()));
  CHECK_FALSE(serve(w.handler, batch_request("Bearer node-token")));
  CHECK(w.gateway.posted() == 1);
  w.gateway.answer_ok();
}

// -- over loopback ------------------------------------------------------------

TEST_CASE("over the wire, a 429 from the head closes the connection and "
          "batches are taken again once one finishes",
          "[handler][overload][server]") {
  daemon_handler_settings settings;
  settings.max_batches_in_progress = 1;
  settings.auth =
      std::make_shared<bearer_auth>(std::vector<std::string>{"node-token"});
  holding_gateway gateway;
  auto status = std::make_shared<daemon_status>();
  status->set(daemon_phase::ready);
  auto handler = std::make_shared<daemon_handler>(
      gateway, std::make_shared<prometheus::Registry>(), status, settings);
  server_runner runner;
  runner.start(handler);

  test_client holder;
  REQUIRE_FALSE(holder.connect(runner.endpoint()));
  REQUIRE_FALSE(holder.send(batch_request("Bearer node-token")));
  REQUIRE(eventually([&] { return gateway.held() == 1; }));

  // The head arrives alone: the refusal must not wait for the body, and the
  // connection cannot be reused since the body was never read.
  test_client refused;
  REQUIRE_FALSE(refused.connect(runner.endpoint()));
  REQUIRE_FALSE(refused.send_raw("POST /api/v1/runtime/events HTTP/1.1\r\n"
                                 "Host: 127.0.0.1\r\n"
                                 "Authorization: Bearer node-token\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Content-Length: 1000\r\n\r\n{\"batch"));
  http_response res;
  REQUIRE_FALSE(refused.receive(res));
  CHECK(res.result() == http::status::too_many_requests);
  CHECK(res[http::field::retry_after] == "1");
  CHECK(refused.closed_by_server());

  // Authentication comes first: without a token the answer is 401.
  test_client anonymous;
  REQUIRE_FALSE(anonymous.connect(runner.endpoint()));
  auto unauthorized = anonymous.exchange(batch_request());
  CHECK(unauthorized.result() == http::status::unauthorized);

  gateway.answer_ok();
  http_response held_reply;
  REQUIRE_FALSE(holder.receive(held_reply));
  CHECK(held_reply.result() == http::status::ok);
  REQUIRE(eventually([&] { return handler->batches_in_progress() == 0; }));
  // Keep-alive survives: the same connection posts the next batch.
  REQUIRE_FALSE(holder.send(batch_request("Bearer node-token")));
  REQUIRE(eventually([&] { return gateway.held() == 1; }));
  gateway.answer_ok();
  REQUIRE_FALSE(holder.receive(held_reply));
  CHECK(held_reply.result() == http::status::ok);
  CHECK(gateway.posted() == 2);
}

TEST_CASE("over the wire, a body still being read holds its slot",
          "[handler][overload][server]") {
  daemon_handler_settings settings;
  settings.max_batches_in_progress = 1;
  holding_gateway gateway;
  auto status = std::make_shared<daemon_status>();
  status->set(daemon_phase::ready);
  auto registry = std::make_shared<prometheus::Registry>();
  auto handler =
      std::make_shared<daemon_handler>(gateway, registry, status, settings);
  server_runner runner;
  runner.start(handler);

  // The head and part of the body: the server now reads the rest.
  std::string body = batch_body;
  auto head = "POST /api/v1/runtime/events HTTP/1.1\r\n"
              "Host: 127.0.0.1\r\n"
              "Content-Type: application/json\r\n"
              "Content-Length: " +
              std::to_string(body.size()) + "\r\n\r\n";
  test_client slow;
  REQUIRE_FALSE(slow.connect(runner.endpoint()));
  REQUIRE_FALSE(slow.send_raw(head + body.substr(0, 5)));
  REQUIRE(eventually([&] { return handler->batches_in_progress() == 1; }));
  CHECK(gateway.posted() == 0);

  // Another observer is refused from its head: with every slot taken by
  // bodies in flight, memory stays bounded however many connect.
  test_client other;
  REQUIRE_FALSE(other.connect(runner.endpoint()));
  auto refused = other.exchange(batch_request());
  CHECK(refused.result() == http::status::too_many_requests);
  CHECK(counter_value(*registry,
                      "deltascan_batches_refused_in_progress_total") == 1);

  // The slow body completes and is processed; its reply frees the slot.
  REQUIRE_FALSE(slow.send_raw(body.substr(5)));
  REQUIRE(eventually([&] { return gateway.held() == 1; }));
  CHECK(handler->batches_in_progress() == 1);
  gateway.answer_ok();
  http_response reply;
  REQUIRE_FALSE(slow.receive(reply));
  CHECK(reply.result() == http::status::ok);
  REQUIRE(eventually([&] { return handler->batches_in_progress() == 0; }));

  // A client that leaves in the middle of its body frees its slot too.
  {
    test_client leaving;
    REQUIRE_FALSE(leaving.connect(runner.endpoint()));
    REQUIRE_FALSE(leaving.send_raw(head + body.substr(0, 5)));
    REQUIRE(eventually([&] { return handler->batches_in_progress() == 1; }));
  }
  REQUIRE(eventually([&] { return handler->batches_in_progress() == 0; }));
  CHECK(gateway.posted() == 1);
}
