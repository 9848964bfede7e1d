// Serves the stub scanner for tests and simulates a scanner outage by
// closing its listener and listening again on the same port.
#include "tests/net/stub_scanner_host.hpp"

#include "tests/net/server_test_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>

namespace deltascan::test {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

tcp::endpoint loopback(std::uint16_t port) {
  return {asio::ip::make_address("127.0.0.1"), port};
}

/// Whether a connect to `port` is refused right now.
bool refused(std::uint16_t port) {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  boost::system::error_code ec;
  socket.connect(loopback(port), ec);
  return ec == asio::error::connection_refused;
}

} // namespace

stub_scanner_host::stub_scanner_host(net::stub_scanner_options options)
    : work_{asio::make_work_guard(ioc_)},
      stub_{std::make_shared<net::stub_scanner>(ioc_.get_executor(), options)} {
  server_.emplace(ioc_, stub_);
  REQUIRE_FALSE(server_->listen(loopback(0)));
  port_ = server_->local_endpoint().port();
  server_->start();
  thread_ = std::thread{[this] {
    ioc_.run();
  }};
}

stub_scanner_host::~stub_scanner_host() {
  // Once the server's connections are gone and delayed answers have fired,
  // the io_context runs out of work and the thread returns by itself.
  server_.reset();
  work_.reset();
  if (!net::server_test::eventually([this] { return ioc_.stopped(); }))
    ioc_.stop();
  thread_.join();
}

bool stub_scanner_host::take_down() {
  // Destroying the server closes the listener and its connections on the
  // io_context thread, so the port is free only a moment later.
  server_.reset();
  return net::server_test::eventually([this] { return refused(port_); });
}

bool stub_scanner_host::bring_up() {
  if (server_)
    return true;
  server_.emplace(ioc_, stub_);
  // SO_REUSEADDR lets the port be bound with old connections in TIME_WAIT;
  // retrying covers the listener's asynchronous close.
  auto bound = net::server_test::eventually(
      [this] { return !server_->listen(loopback(port_)); });
  if (!bound) {
    server_.reset();
    return false;
  }
  server_->start();
  return true;
}

} // namespace deltascan::test
