// The observer's side of the end-to-end tests: a blocking HTTP/1.1 client
// that posts runtime event batches to deltascand (and reads its metrics and
// probes), with every step bounded so that a daemon that hangs fails a test
// instead of stalling it. One client is one connection, so a test can send
// several requests over a kept-alive connection.
#pragma once

#include "net/http_message.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace deltascan::e2e {

using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;
namespace http = net::http;

/// Bound on every wait of these tests: generous because the machine is busy,
/// never a measure of speed.
inline constexpr std::chrono::milliseconds patience = 10s;

/// A blocking HTTP/1.1 client over one TCP connection.
class http_test_client {
public:
  explicit http_test_client(std::chrono::milliseconds timeout = patience);
  ~http_test_client();

  http_test_client(const http_test_client&) = delete;
  http_test_client& operator=(const http_test_client&) = delete;

  boost::system::error_code connect(const tcp::endpoint& ep);

  boost::system::error_code send(const net::http_request& req);

  /// Writes bytes as they are, e.g. a request head without its body.
  boost::system::error_code send_raw(std::string_view bytes);

  /// Reads one response; an interim 1xx response counts as one.
  boost::system::error_code receive(net::http_response& res);

  /// Sends a request and reads its response; none on any error.
  std::optional<net::http_response> exchange(const net::http_request& req);

  /// Reads and discards until the server closes the connection: true when it
  /// does within the client's timeout.
  bool closed_by_server();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The loopback address deltascand and the stub scanner listen on.
tcp::endpoint loopback(unsigned short port);

/// `POST /api/v1/runtime/events` with the body and, unless empty, the
/// Content-Type.
net::http_request post_batch(std::string body,
                             std::string_view content_type = "application/"
                                                             "json");

/// A request with Host set, and a Content-Length when it has a body.
net::http_request make_request(http::verb method, std::string_view target,
                               std::string body = {},
                               std::string_view content_type = {});

/// Opens a connection, exchanges one request and closes; none on any error.
std::optional<net::http_response>
exchange_once(const tcp::endpoint& ep, const net::http_request& req,
              std::chrono::milliseconds timeout = patience);

} // namespace deltascan::e2e
