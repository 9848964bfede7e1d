// The HTTP/1.1 server deltascand takes runtime event batches on (and serves
// metrics and health on), also used by the stub scanner. It owns the
// transport rules: TLS, deadlines, body limits, keep-alive, connection bounds
// and draining at shutdown; what a request means is left to a
// request_handler.
#pragma once

#include "net/request_handler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace deltascan::net {

namespace detail {
class http_listener;
} // namespace detail

/// Bounds on what one client may cost the server.
struct server_limits {
  /// Largest request body read; larger ones get 413 and a closed connection.
  std::size_t max_body_bytes = 4 << 20;
  /// Time for a whole request head to arrive (from the connection's start,
  /// or from the first byte of a later request on a kept-alive connection).
  std::chrono::milliseconds header_timeout{10'000};
  /// Time for a whole request body to arrive once the head is read.
  std::chrono::milliseconds body_timeout{30'000};
  /// How long a kept-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  /// Time for a whole response to be written.
  std::chrono::milliseconds write_timeout{30'000};
  /// Connections served at once; further ones are answered 503.
  std::size_t max_connections = 1024;
  /// How long a closing connection keeps reading (and discarding) what the
  /// client still sends, so that the last response is not lost to a reset.
  std::chrono::milliseconds linger_timeout{2'000};
};

/// Accepts connections and runs one session per connection on its own
/// strand of the io_context; run the io_context on as many threads as wanted.
/// With a TLS context, every connection starts with a TLS handshake (bounded
/// by `header_timeout`); a client that fails it loses only its connection.
///
/// Every member function is thread-safe except `listen`, which must come
/// before `start`. The server's state outlives the object while connections
/// remain; destroying the server stops accepting and aborts connections
/// (asynchronously), so destroy it before the io_context.
class http_server {
public:
  /// `tls` null serves plain HTTP; otherwise HTTPS with that context (see
  /// `make_server_tls_context`), which the server keeps alive.
  http_server(boost::asio::io_context& ioc,
              std::shared_ptr<request_handler> handler,
              server_limits limits = {},
              std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds (with SO_REUSEADDR) and listens; port 0 picks a free port.
  /// Returns the failure, e.g. address_in_use, and logs nothing.
  boost::system::error_code listen(const boost::asio::ip::tcp::endpoint& ep);

  /// The bound address after a successful `listen`, with the real port.
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  /// Starts accepting connections.
  void start();

  /// Drains: closes the listening socket (new connects are refused), closes
  /// idle connections, and lets requests in progress finish; their responses
  /// carry `Connection: close` and their connections close afterwards.
  /// Takes effect asynchronously, on the io_context.
  void stop_accepting();

  /// Stops accepting and aborts every connection at once, requests in
  /// progress included. Takes effect asynchronously, on the io_context.
  void close_all();

  /// Open connections, including ones being refused with 503.
  std::size_t connection_count() const;

  /// Requests whose head has arrived and whose response is not yet written.
  std::size_t requests_in_progress() const;

private:
  std::shared_ptr<detail::http_listener> impl_;
};

/// `address:port`, with an IPv6 address in brackets, as logs and the stub
/// scanner's start-up line write it.
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep);

} // namespace deltascan::net
