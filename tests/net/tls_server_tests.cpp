// The batch endpoint over HTTPS: observers with the right certificates get
// their requests through (on kept-alive connections too), and clients that
// fail the handshake (plain HTTP, no client certificate, a certificate from
// another CA) lose only their own connection.
#include "tests/net/tls_test_support.hpp"

#include <boost/asio/ssl/error.hpp>

#include <catch2/catch.hpp>

using namespace deltascan::net;
using namespace deltascan::net::tls_test;
namespace ssl = boost::asio::ssl;

namespace {

/// Sends GET `target` on a fresh TLS connection; the error of the first step
/// that failed, if any.
boost::system::error_code try_get(const std::shared_ptr<ssl::context>& context,
                                  const tcp::endpoint& ep,
                                  const std::string& target,
                                  http_response& res) {
  tls_client client{context};
  if (auto ec = client.connect(ep))
    return ec;
  return client.exchange(make_get(target), res);
}

} // namespace

TEST_CASE("an HTTPS request gets its response", "[net][tls]") {
  const auto& certs = pki();
  server_runner runner{echo_handler(), server_context(certs.server)};
  tls_client client{client_context(certs.ca.cert)};
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  http_response res;
  REQUIRE_FALSE(client.exchange(make_get("/first"), res));
  CHECK(res.result() == http::status::ok);
  CHECK(res.body() == "/first");
}

TEST_CASE("a kept-alive TLS connection carries several requests",
          "[net][tls]") {
  const auto& certs = pki();
  server_runner runner{echo_handler(), server_context(certs.server)};
  tls_client client{client_context(certs.ca.cert)};
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  for (auto target : {"/one", "/two", "/three"}) {
    http_response res;
    REQUIRE_FALSE(client.exchange(make_get(target), res));
    CHECK(res.body() == target);
    CHECK(res.keep_alive());
  }
  // All three went over the one connection the client opened.
  CHECK(runner.server().connection_count() == 1);
}

TEST_CASE("a TLS connection the server closes ends with close_notify",
          "[net][tls]") {
  const auto& certs = pki();
  server_runner runner{echo_handler(), server_context(certs.server)};
  tls_client client{client_context(certs.ca.cert)};
  REQUIRE_FALSE(client.connect(runner.endpoint()));
  auto req = make_get("/last");
  req.keep_alive(false);
  http_response res;
  REQUIRE_FALSE(client.exchange(req, res));
  CHECK(res.body() == "/last");
  CHECK_FALSE(res.keep_alive());
  // A clean TLS end reads as eof; a bare TCP close as a truncated stream.
  CHECK(client.wait_for_close() == boost::asio::error::eof);
}

TEST_CASE("plain HTTP to the TLS port is closed and TLS clients still work",
          "[net][tls]") {
  const auto& certs = pki();
  server_runner runner{echo_handler(), server_context(certs.server)};
  bool closed = false;
  auto reply = plain_exchange(runner.endpoint(),
                              "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n", closed);
  CHECK(closed);
  CHECK(reply.find("/plain") == std::string::npos);
  CHECK(reply.find("200") == std::string::npos);
  http_response res;
  REQUIRE_FALSE(
      try_get(client_context(certs.ca.cert), runner.endpoint(), "/after", res));
  CHECK(res.body() == "/after");
}

TEST_CASE("a client that does not trust the server's CA fails the handshake",
          "[net][tls]") {
  const auto& certs = pki();
  server_runner runner{echo_handler(), server_context(certs.server)};
  tls_client client{client_context(certs.other_ca.cert)};
  auto ec = client.connect(runner.endpoint());
  CHECK(ec.category() == boost::asio::error::get_ssl_category());
}

TEST_CASE("mutual TLS admits only clients with a certificate from its CA",
          "[net][tls]") {
  const auto& certs = pki();
  server_runner runner{echo_handler(),
                       server_context(certs.server, certs.ca.cert)};
  http_response res;

  SECTION("a client with a certificate from the CA is served") {
    REQUIRE_FALSE(try_get(client_context(certs.ca.cert, certs.client),
                          runner.endpoint(), "/mtls", res));
    CHECK(res.body() == "/mtls");
  }

  SECTION("a client without a certificate is refused") {
    // With TLS 1.3 the client learns of the refusal on its first read.
    CHECK(try_get(client_context(certs.ca.cert), runner.endpoint(),
                  "/anonymous", res));
  }

  SECTION("a client with a certificate from another CA is refused") {
    CHECK(try_get(client_context(certs.ca.cert, certs.foreign_client),
                  runner.endpoint(), "/stranger", res));
  }

  SECTION("a refused client does not disturb the next one") {
    CHECK(try_get(client_context(certs.ca.cert), runner.endpoint(),
                  "/anonymous", res));
    REQUIRE_FALSE(try_get(client_context(certs.ca.cert, certs.client),
                          runner.endpoint(), "/next", res));
    CHECK(res.body() == "/next");
  }
}

TEST_CASE("a client that never completes the handshake is cut off",
          "[net][tls]") {
  const auto& certs = pki();
  server_limits limits;
  limits.header_timeout = std::chrono::milliseconds{200};
  server_runner runner{echo_handler(), server_context(certs.server), limits};
  bool closed = false;
  // A TLS record header that announces more bytes than ever arrive.
  auto reply =
      plain_exchange(runner.endpoint(), std::string{"\x16\x03\x01"}, closed);
  CHECK(closed);
  CHECK(reply.empty());
}
