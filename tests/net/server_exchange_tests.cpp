// How the server carries well-formed requests from observers to its handler
// and the handler's replies back: framing, keep-alive, pipelining, replies
// from other threads, and header checks that reject before the body.
#include "net/problem.hpp"
#include "tests/net/server_test_support.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace deltascan::net;
using namespace deltascan::net::server_test;

namespace {

/// Answers every request with "<method> <target> <body>".
std::shared_ptr<scripted_handler> echo_handler() {
  return std::make_shared<scripted_handler>(
      [](http_request&& req, responder reply) {
        std::string body{req.method_string()};
        body += ' ';
        body += req.target();
        body += ' ';
        body += req.body();
        reply.send(text_reply(req, std::move(body)));
      });
}

} // namespace

TEST_CASE("the handler answers a request and the server frames the reply") {
  server_runner runner;
  auto handler = echo_handler();
  runner.start(handler);
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  auto res = client.exchange(
      make_request(http::verb::post, "/api/v1/runtime/events", "[1,2]"));
  CHECK(res.result() == http::status::ok);
  CHECK(res.body() == "POST /api/v1/runtime/events [1,2]");
  CHECK(res[http::field::content_length] == "33");
  CHECK(res.keep_alive());
  CHECK(handler->handled() == 1);
}

TEST_CASE("one connection carries several requests with keep-alive") {
  server_runner runner;
  auto handler = echo_handler();
  auto& server = runner.start(handler);
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  auto first = client.exchange(make_request(http::verb::get, "/one"));
  auto second = client.exchange(make_request(http::verb::get, "/two"));
  CHECK(first.body() == "GET /one ");
  CHECK(second.body() == "GET /two ");
  CHECK(second.keep_alive());
  CHECK(server.connection_count() == 1);
  CHECK(eventually([&] { return server.requests_in_progress() == 0; }));
}

TEST_CASE("pipelined requests are answered in order") {
  server_runner runner;
  runner.start(echo_handler());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send_raw("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  http_response a;
  http_response b;
  REQUIRE_FALSE(client.receive(a));
  REQUIRE_FALSE(client.receive(b));
  CHECK(a.body() == "GET /a ");
  CHECK(b.body() == "GET /b ");
}

TEST_CASE("an HTTP/1.0 request without keep-alive ends its connection") {
  server_runner runner;
  runner.start(echo_handler());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send_raw("GET /old HTTP/1.0\r\n\r\n"));
  http_response res;
  REQUIRE_FALSE(client.receive(res));
  CHECK(res.body() == "GET /old ");
  CHECK_FALSE(res.keep_alive());
  CHECK(client.closed_by_server());
}

TEST_CASE("a handler may reply later from another thread") {
  std::mutex mutex;
  std::vector<std::thread> workers;
  auto handler = std::make_shared<scripted_handler>(
      [&](http_request&& req, responder reply) {
        std::lock_guard lock{mutex};
        workers.emplace_back([req = std::move(req), reply]() {
          reply.send(text_reply(req, "from a worker"));
        });
      });
  server_runner runner;
  runner.start(handler);
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  auto first = client.exchange(make_request(http::verb::get, "/a"));
  auto second = client.exchange(make_request(http::verb::get, "/b"));
  CHECK(first.body() == "from a worker");
  CHECK(second.body() == "from a worker");
  // The workers finish before the io_context they posted to goes away.
  std::lock_guard lock{mutex};
  for (auto& worker : workers)
    worker.join();
}

TEST_CASE("a client expecting 100 Continue gets it before sending the body") {
  server_runner runner;
  runner.start(echo_handler());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send_raw("POST /batch HTTP/1.1\r\nHost: x\r\n"
                                "Content-Length: 5\r\n"
                                "Expect: 100-continue\r\n\r\n"));
  http_response interim;
  REQUIRE_FALSE(client.receive(interim));
  CHECK(interim.result() == http::status::continue_);
  REQUIRE_FALSE(client.send_raw("hello"));
  http_response final_reply;
  REQUIRE_FALSE(client.receive(final_reply));
  CHECK(final_reply.body() == "POST /batch hello");
}

TEST_CASE("check_header rejects a request without reading its body") {
  server_runner runner;
  auto handler = std::make_shared<scripted_handler>(
      [](http_request&& req, responder reply) {
        reply.send(text_reply(req, "read"));
      },
      [](const http::request_header<>& head) -> std::optional<http_response> {
        if (head[http::field::content_type] != "application/json")
          return make_problem(http::status::unsupported_media_type,
                              "batches must be application/json",
                              head.version(), true);
        return std::nullopt;
      });
  runner.start(handler);
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  // The head promises a body that never comes: only an answer given
  // without reading it can arrive.
  REQUIRE_FALSE(client.send_raw("POST /api/v1/runtime/events HTTP/1.1\r\n"
                                "Host: x\r\nContent-Type: text/plain\r\n"
                                "Content-Length: 1000\r\n\r\n"));
  http_response res;
  REQUIRE_FALSE(client.receive(res));
  CHECK(res.result() == http::status::unsupported_media_type);
  CHECK(res[http::field::content_type] == problem_content_type);
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->detail == "batches must be application/json");
  // The unread body would corrupt the next request: the server closes.
  CHECK_FALSE(res.keep_alive());
  CHECK(client.closed_by_server());
  CHECK(handler->handled() == 0);
}

TEST_CASE("a rejected request without a body keeps its connection") {
  server_runner runner;
  auto handler = std::make_shared<scripted_handler>(
      [](http_request&& req, responder reply) {
        reply.send(text_reply(req, "found"));
      },
      [](const http::request_header<>& head) -> std::optional<http_response> {
        if (head.target() == "/missing")
          return make_problem(http::status::not_found, "no such route",
                              head.version(), true);
        return std::nullopt;
      });
  runner.start(handler);
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  auto rejected = client.exchange(make_request(http::verb::get, "/missing"));
  CHECK(rejected.result() == http::status::not_found);
  CHECK(rejected.keep_alive());
  auto next = client.exchange(make_request(http::verb::get, "/healthz"));
  CHECK(next.body() == "found");
}

TEST_CASE("a reply that cannot be framed becomes a 500 problem") {
  server_runner runner;
  runner.start(std::make_shared<scripted_handler>(
      [](http_request&& req, responder reply) {
        http_response res{http::status::no_content, req.version()};
        res.body() = "a 204 has no body";
        reply.send(std::move(res));
      }));
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  auto res = client.exchange(make_request(http::verb::get, "/"));
  CHECK(res.result() == http::status::internal_server_error);
  CHECK(res[http::field::content_type] == problem_content_type);
}

TEST_CASE("a second reply to one request is ignored") {
  server_runner runner;
  runner.start(std::make_shared<scripted_handler>(
      [](http_request&& req, responder reply) {
        std::string target{req.target()};
        reply.send(text_reply(req, "first " + target));
        reply.send(text_reply(req, "second " + target));
      }));
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  auto res = client.exchange(make_request(http::verb::get, "/a"));
  CHECK(res.body() == "first /a");
  // Had the second reply been written, it would be read here instead.
  auto next = client.exchange(make_request(http::verb::get, "/b"));
  CHECK(next.body() == "first /b");
}

TEST_CASE("a handler that throws gets its connection closed") {
  server_runner runner;
  auto& server = runner.start(std::make_shared<scripted_handler>(
      [](http_request&&, responder) { throw std::runtime_error{"boom"}; }));
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send(make_request(http::verb::get, "/")));
  CHECK(client.closed_by_server());
  CHECK(eventually([&] { return server.requests_in_progress() == 0; }));
}

TEST_CASE("listening on a port in use reports the error") {
  server_runner runner;
  runner.start(echo_handler());
  http_server second{runner.io_context(), echo_handler()};
  auto ec = second.listen(runner.endpoint());
  CHECK(ec == boost::asio::error::address_in_use);
}
