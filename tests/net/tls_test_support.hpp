// Test support for HTTPS on both sides of deltascand: an http_server with a
// TLS context on an ephemeral loopback port, and a blocking TLS client whose
// every step is bounded, so a test can play an observer with or without a
// certificate (or one that speaks plain HTTP to the TLS port).
#pragma once

#include "net/http_message.hpp"
#include "net/http_server.hpp"
#include "net/request_handler.hpp"
#include "tests/net/test_certificates.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace deltascan::net::tls_test {

using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;

/// Bound on every wait: generous for a busy machine, never a speed test.
inline constexpr std::chrono::milliseconds patience = 10s;

/// The test PKI, failing the test when it could not be made.
const test::test_certificates& pki();

/// A server context presenting `server` (the PKI's 127.0.0.1 certificate
/// unless told otherwise), requiring client certificates signed by
/// `client_ca` when that is set.
std::shared_ptr<boost::asio::ssl::context>
server_context(const test::cert_files& server,
               const std::filesystem::path& client_ca = {});

/// A client context trusting `ca`, presenting `client` when it has a cert.
std::shared_ptr<boost::asio::ssl::context>
client_context(const std::filesystem::path& ca,
               const test::cert_files& client = {});

/// Runs an io_context on a background thread and an http_server (HTTPS when
/// `tls` is set) on 127.0.0.1 port 0. Stops and joins in the destructor.
class server_runner {
public:
  server_runner(std::shared_ptr<request_handler> handler,
                std::shared_ptr<boost::asio::ssl::context> tls,
                server_limits limits = {});
  ~server_runner();

  server_runner(const server_runner&) = delete;
  server_runner& operator=(const server_runner&) = delete;

  http_server& server() { return *server_; }
  tcp::endpoint endpoint() const { return server_->local_endpoint(); }
  boost::asio::io_context& io_context() { return ioc_; }

private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_;
  std::optional<http_server> server_;
  std::thread thread_;
};

/// A handler answering every request 200 with its target as the body.
std::shared_ptr<request_handler> echo_handler();

/// A request with Host set.
http_request make_get(std::string target);

/// A blocking HTTPS client. Every step gives up after `patience`.
class tls_client {
public:
  explicit tls_client(std::shared_ptr<boost::asio::ssl::context> context);
  ~tls_client();

  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  /// Connects and completes the TLS handshake.
  boost::system::error_code connect(const tcp::endpoint& ep);

  /// Sends a request and reads its response.
  boost::system::error_code exchange(const http_request& req,
                                     http_response& res);

  /// Reads until the server ends the connection and returns how it did:
  /// `eof` after a TLS close_notify, `stream_truncated` when the TCP
  /// connection ended without one, `timed_out` when it stayed open.
  boost::system::error_code wait_for_close();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Connects without TLS, sends `bytes`, and reads until the server closes.
/// Returns what arrived; sets `closed` when the server closed within
/// `patience`.
std::string plain_exchange(const tcp::endpoint& ep, const std::string& bytes,
                           bool& closed);

} // namespace deltascan::net::tls_test
