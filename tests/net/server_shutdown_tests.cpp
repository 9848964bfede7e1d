// How connections end when deltascand shuts down or a handler loses a
// request: draining lets requests in progress finish, aborting does not, and
// a request nobody will answer closes its connection instead of leaking it.
#include "tests/net/server_test_support.hpp"

#include <catch2/catch.hpp>

using namespace deltascan::net;
using namespace deltascan::net::server_test;

namespace {

/// Holds requests to /hold, answers every other request at once.
std::shared_ptr<scripted_handler> holding_handler(held_requests& held) {
  return std::make_shared<scripted_handler>(
      [&held](http_request&& req, responder reply) {
        if (req.target() == "/hold")
          held.hold(std::move(req), std::move(reply));
        else
          reply.send(text_reply(req, "now"));
      });
}

/// Whether a new connection to `ep` is refused.
bool refused(const tcp::endpoint& ep) {
  test_client probe;
  return probe.connect(ep) == boost::asio::error::connection_refused;
}

} // namespace

TEST_CASE("draining finishes the request in progress and refuses new ones") {
  server_runner runner;
  // Declared after the runner: responders still held at the end are dropped
  // while the io_context they post to still exists.
  held_requests held;
  auto& server = runner.start(holding_handler(held));
  auto ep = runner.endpoint();
  test_client idle;
  REQUIRE_FALSE(idle.connect(ep));
  REQUIRE(idle.exchange(make_request(http::verb::get, "/")).keep_alive());
  test_client busy;
  REQUIRE_FALSE(busy.connect(ep));
  REQUIRE_FALSE(busy.send(make_request(http::verb::get, "/hold")));
  REQUIRE(held.wait_for(1));
  CHECK(server.requests_in_progress() == 1);
  CHECK(server.connection_count() == 2);

  server.stop_accepting();
  CHECK(eventually([&] { return refused(ep); }));
  CHECK(idle.closed_by_server());
  auto reply = held.take();
  REQUIRE(reply);
  reply->send(http_response{http::status::ok, 11});
  http_response res;
  REQUIRE_FALSE(busy.receive(res));
  CHECK(res.result() == http::status::ok);
  CHECK_FALSE(res.keep_alive());
  CHECK(res[http::field::connection] == "close");
  CHECK(busy.closed_by_server());
  CHECK(eventually([&] { return server.requests_in_progress() == 0; }));
  CHECK(eventually([&] { return server.connection_count() == 0; }));
}

TEST_CASE("close_all aborts requests in progress") {
  server_runner runner;
  held_requests held;
  auto& server = runner.start(holding_handler(held));
  test_client busy;
  REQUIRE_FALSE(busy.connect(runner.endpoint()));
  REQUIRE_FALSE(busy.send(make_request(http::verb::get, "/hold")));
  REQUIRE(held.wait_for(1));

  server.close_all();
  CHECK(busy.closed_by_server());
  CHECK(eventually([&] { return refused(runner.endpoint()); }));
  CHECK(eventually([&] { return server.connection_count() == 0; }));
  CHECK(server.requests_in_progress() == 0);
  // A reply that comes too late goes nowhere, harmlessly.
  auto reply = held.take();
  REQUIRE(reply);
  reply->send(http_response{http::status::ok, 11});
}

TEST_CASE("a request dropped by its handler closes the connection") {
  server_runner runner;
  held_requests held;
  auto& server = runner.start(holding_handler(held));
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send(make_request(http::verb::get, "/hold")));
  REQUIRE(held.wait_for(1));
  held.clear();
  CHECK(client.closed_by_server());
  CHECK(eventually([&] {
    return server.requests_in_progress() == 0 && server.connection_count() == 0;
  }));
}

TEST_CASE("a handler that never keeps the responder closes the connection") {
  server_runner runner;
  auto& server = runner.start(
      std::make_shared<scripted_handler>([](http_request&&, responder) {}));
  test_client client;
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  REQUIRE_FALSE(client.send(make_request(http::verb::get, "/")));
  CHECK(client.closed_by_server());
  CHECK(eventually([&] { return server.connection_count() == 0; }));
}
