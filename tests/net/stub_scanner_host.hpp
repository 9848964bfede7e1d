// The stub scanner served on a loopback port by its own thread, which a test
// can take down and bring back up on the same port, so scan submissions can
// meet a scanner that is down and then recovers. The stub, with its records
// and scripted faults, lives on across the outage.
#pragma once

#include "net/http_server.hpp"
#include "net/stub_scanner.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <thread>

namespace deltascan::test {

class stub_scanner_host {
public:
  /// Starts serving the stub on 127.0.0.1 with an ephemeral port.
  explicit stub_scanner_host(net::stub_scanner_options options = {});

  /// Stops serving; waits (bounded) for delayed answers still pending.
  ~stub_scanner_host();

  stub_scanner_host(const stub_scanner_host&) = delete;
  stub_scanner_host& operator=(const stub_scanner_host&) = delete;

  net::stub_scanner& stub() { return *stub_; }

  std::uint16_t port() const { return port_; }

  /// Closes the listening socket and aborts every connection. Returns once
  /// a connect to the port is refused, or false if that takes too long.
  bool take_down();

  /// Listens on the same port again with the same stub. False when the port
  /// could not be bound in time (e.g. something else took it meanwhile).
  bool bring_up();

  /// Whether the stub is being served.
  bool up() const { return server_.has_value(); }

private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_;
  std::shared_ptr<net::stub_scanner> stub_;
  std::optional<net::http_server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

} // namespace deltascan::test
