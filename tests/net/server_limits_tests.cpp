// What one observer may cost the server: oversized or malformed requests get
// a problem reply and a closed connection, slow and idle clients are cut off
// by the deadlines, and connections beyond the bound are refused with 503.
#include "net/problem.hpp"
#include "tests/net/server_test_support.hpp"

#include <catch2/catch.hpp>

using namespace deltascan::net;
using namespace deltascan::net::server_test;

namespace {

std::shared_ptr<scripted_handler> ok_handler() {
  return std::make_shared<scripted_handler>(
      [](http_request&& req, responder reply) {
        reply.send(text_reply(req, "ok"));
      });
}

server_limits short_limits() {
  server_limits limits;
  limits.max_body_bytes = 1024;
  limits.header_timeout = 200ms;
  limits.body_timeout = 200ms;
  limits.idle_timeout = 200ms;
  return limits;
}

} // namespace

TEST_CASE("a Content-Length over the limit gets 413 without reading the body") {
  server_runner runner;
  auto handler = ok_handler();
  runner.start(handler, short_limits());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send_raw("POST /api/v1/runtime/events HTTP/1.1\r\n"
                                "Host: x\r\nContent-Type: application/json\r\n"
                                "Content-Length: 1048576\r\n\r\n"));
  http_response res;
  REQUIRE_FALSE(client.receive(res));
  CHECK(res.result() == http::status::payload_too_large);
  CHECK(res[http::field::content_type] == "application/problem+json");
  CHECK_FALSE(res.keep_alive());
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->type == "about:blank");
  CHECK(problem->title == "Payload Too Large");
  CHECK(problem->status == 413);
  CHECK(problem->detail ==
        "request body of 1048576 bytes exceeds the limit of 1024 bytes");
  CHECK(client.closed_by_server());
  CHECK(handler->handled() == 0);
}

TEST_CASE("a chunked body that grows over the limit gets 413") {
  server_runner runner;
  auto handler = ok_handler();
  runner.start(handler, short_limits());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  std::string chunk(600, 'x');
  std::string request = "POST /api/v1/runtime/events HTTP/1.1\r\nHost: x\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i)
    request += "258\r\n" + chunk + "\r\n";
  request += "0\r\n\r\n";
  REQUIRE_FALSE(client.send_raw(request));
  http_response res;
  REQUIRE_FALSE(client.receive(res));
  CHECK(res.result() == http::status::payload_too_large);
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->status == 413);
  CHECK(problem->detail == "request body exceeds the limit of 1024 bytes");
  CHECK_FALSE(res.keep_alive());
  CHECK(client.closed_by_server());
  CHECK(handler->handled() == 0);
}

TEST_CASE("a body within the limit is read") {
  server_runner runner;
  auto handler = std::make_shared<scripted_handler>(
      [](http_request&& req, responder reply) {
        reply.send(text_reply(req, std::to_string(req.body().size())));
      });
  runner.start(handler, short_limits());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  auto res = client.exchange(make_request(
      http::verb::post, "/", std::string(1024, 'x'), "text/plain"));
  CHECK(res.body() == "1024");
}

TEST_CASE("a malformed request line gets 400 and a closed connection") {
  server_runner runner;
  auto handler = ok_handler();
  runner.start(handler);
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send_raw("THIS IS NOT HTTP\r\n\r\n"));
  http_response res;
  REQUIRE_FALSE(client.receive(res));
  CHECK(res.result() == http::status::bad_request);
  auto problem = parse_problem(res.body());
  REQUIRE(problem);
  CHECK(problem->status == 400);
  CHECK(problem->title == "Bad Request");
  CHECK(problem->detail.rfind("malformed HTTP request: ", 0) == 0);
  CHECK_FALSE(res.keep_alive());
  CHECK(client.closed_by_server());
  CHECK(handler->handled() == 0);
}

TEST_CASE("an oversized request head gets 431") {
  server_runner runner;
  runner.start(ok_handler());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send_raw("GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " +
                                std::string(20'000, 'p') + "\r\n\r\n"));
  http_response res;
  REQUIRE_FALSE(client.receive(res));
  CHECK(res.result() == http::status::request_header_fields_too_large);
  CHECK(client.closed_by_server());
}

TEST_CASE("the head deadline cuts off a client that stops mid-head") {
  server_runner runner;
  auto handler = ok_handler();
  runner.start(handler, short_limits());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send_raw("GET / HTTP/1.1\r\nHo"));
  CHECK(client.closed_by_server());
  CHECK(handler->handled() == 0);
}

TEST_CASE("the head deadline cuts off a client that sends byte by byte") {
  server_runner runner;
  auto handler = ok_handler();
  auto& server = runner.start(handler, short_limits());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  // Each byte alone is quick; the head as a whole takes about ten times the
  // deadline.
  std::string head =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(150, 's') +
      "\r\n\r\n";
  for (char byte : head) {
    if (client.send_raw(std::string_view{&byte, 1}))
      break;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(client.closed_by_server());
  CHECK(handler->handled() == 0);
  CHECK(eventually([&] { return server.connection_count() == 0; }));
}

TEST_CASE("the head deadline cuts off a client that connects and stays "
          "silent") {
  server_runner runner;
  auto& server = runner.start(ok_handler(), short_limits());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  CHECK(client.closed_by_server());
  CHECK(eventually([&] { return server.connection_count() == 0; }));
}

TEST_CASE("the body deadline cuts off a client that never sends the body") {
  server_runner runner;
  auto handler = ok_handler();
  auto& server = runner.start(handler, short_limits());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send_raw("POST / HTTP/1.1\r\nHost: x\r\n"
                                "Content-Length: 100\r\n\r\nonly ten.."));
  CHECK(client.closed_by_server());
  CHECK(handler->handled() == 0);
  CHECK(eventually([&] { return server.requests_in_progress() == 0; }));
}

TEST_CASE("the idle deadline closes a kept-alive connection") {
  server_runner runner;
  auto& server = runner.start(ok_handler(), short_limits());
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  auto res = client.exchange(make_request(http::verb::get, "/"));
  CHECK(res.keep_alive());
  CHECK(client.closed_by_server());
  CHECK(eventually([&] { return server.connection_count() == 0; }));
}

TEST_CASE("connections over the bound are answered 503 and closed") {
  server_runner runner;
  auto handler = ok_handler();
  auto limits = short_limits();
  limits.idle_timeout = 60s;
  limits.max_connections = 1;
  auto& server = runner.start(handler, limits);
  auto first = std::make_unique<test_client>();
  REQUIRE_FALSE(first->connect(runner.endpoint()));
  CHECK(first->exchange(make_request(http::verb::get, "/")).body() == "ok");
  SECTION("the extra connection is refused") {
    test_client extra;
    REQUIRE_FALSE(extra.connect(runner.endpoint()));
    REQUIRE_FALSE(extra.send(make_request(http::verb::get, "/")));
    http_response res;
    REQUIRE_FALSE(extra.receive(res));
    CHECK(res.result() == http::status::service_unavailable);
    CHECK(res[http::field::content_type] == problem_content_type);
    CHECK(res[http::field::retry_after] == "1");
    CHECK_FALSE(res.keep_alive());
    auto problem = parse_problem(res.body());
    REQUIRE(problem);
    CHECK(problem->status == 503);
    CHECK(extra.closed_by_server());
    CHECK(handler->handled() == 1);
  }
  SECTION("a freed slot serves the next connection") {
    first.reset();
    REQUIRE(eventually([&] { return server.connection_count() == 0; }));
    test_client next;
    REQUIRE_FALSE(next.connect(runner.endpoint()));
    auto res = next.exchange(make_request(http::verb::get, "/"));
    CHECK(res.result() == http::status::ok);
  }
  // The kept-alive first connection still works.
  if (first)
    CHECK(first->exchange(make_request(http::verb::get, "/")).body() == "ok");
}
