// The HTTPS server runner, contexts and bounded TLS client shared by the TLS
// tests of the batch endpoint and the scanner client.
#include "tests/net/tls_test_support.hpp"

#include "net/tls_context.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <catch2/catch.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <utility>

namespace deltascan::net::tls_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using boost::system::error_code;

namespace {

/// Runs one asynchronous step on `ioc` in the calling thread. `start` gets
/// the completion handler. A step that outlives `patience` has its
/// connection closed, which completes it.
template <class Start>
error_code run_step(asio::io_context& ioc, beast::tcp_stream& tcp,
                    Start&& start) {
  std::optional<error_code> result;
  tcp.expires_after(patience);
  start([&result](error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result ? *result : error_code{asio::error::timed_out};
}

class echo : public request_handler {
public:
  void handle(http_request&& req, responder reply) override {
    http_response res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.body() = std::string{req.target()};
    res.keep_alive(req.keep_alive());
    reply.send(std::move(res));
  }
};

} // namespace

const test::test_certificates& pki() {
  const auto& made = test::certificates();
  INFO(made.error);
  REQUIRE(made.error.empty());
  return made;
}

std::shared_ptr<ssl::context>
server_context(const test::cert_files& server,
               const std::filesystem::path& client_ca) {
  auto made =
      make_server_tls_context({server.cert, server.key, client_ca}, "test");
  INFO(made.error);
  REQUIRE(made);
  return made.context;
}

std::shared_ptr<ssl::context> client_context(const std::filesystem::path& ca,
                                             const test::cert_files& client) {
  auto made = make_client_tls_context({ca, client.cert, client.key}, "test");
  INFO(made.error);
  REQUIRE(made);
  return made.context;
}

// -- server_runner ------------------------------------------------------------

server_runner::server_runner(std::shared_ptr<request_handler> handler,
                             std::shared_ptr<ssl::context> tls,
                             server_limits limits)
    : work_{asio::make_work_guard(ioc_)} {
  server_.emplace(ioc_, std::move(handler), limits, std::move(tls));
  auto ec = server_->listen({asio::ip::make_address("127.0.0.1"), 0});
  REQUIRE_FALSE(ec);
  server_->start();
  thread_ = std::thread{[this] {
    ioc_.run();
  }};
}

server_runner::~server_runner() {
  server_->close_all();
  work_.reset();
  ioc_.stop();
  thread_.join();
  server_.reset();
}

std::shared_ptr<request_handler> echo_handler() {
  return std::make_shared<echo>();
}

http_request make_get(std::string target) {
  http_request req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  return req;
}

// -- tls_client ---------------------------------------------------------------

struct tls_client::impl {
  explicit impl(std::shared_ptr<ssl::context> ctx)
      : context{std::move(ctx)}, stream{ioc, *context} {
    // nop
  }

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream); }

  asio::io_context ioc;
  std::shared_ptr<ssl::context> context;
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

tls_client::tls_client(std::shared_ptr<ssl::context> context)
    : impl_{std::make_unique<impl>(std::move(context))} {
  // nop
}

tls_client::~tls_client() = default;

error_code tls_client::connect(const tcp::endpoint& ep) {
  auto& m = *impl_;
  // The server is reached by address: check the certificate names it.
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m.stream.native_handle()),
                                ep.address().to_string().c_str());
  if (auto ec = run_step(m.ioc, m.tcp(), [&](auto handler) {
        m.tcp().async_connect(ep, std::move(handler));
      }))
    return ec;
  return run_step(m.ioc, m.tcp(), [&](auto handler) {
    m.stream.async_handshake(ssl::stream_base::client, std::move(handler));
  });
}

error_code tls_client::exchange(const http_request& req, http_response& res) {
  auto& m = *impl_;
  if (auto ec = run_step(m.ioc, m.tcp(), [&](auto handler) {
        http::async_write(m.stream, req, std::move(handler));
      }))
    return ec;
  res = {};
  return run_step(m.ioc, m.tcp(), [&](auto handler) {
    http::async_read(m.stream, m.buffer, res, std::move(handler));
  });
}

error_code tls_client::wait_for_close() {
  auto& m = *impl_;
  char scratch[512];
  for (int reads = 0; reads < 1000; ++reads) {
    auto ec = run_step(m.ioc, m.tcp(), [&](auto handler) {
      m.stream.async_read_some(asio::buffer(scratch), std::move(handler));
    });
    if (ec == beast::error::timeout)
      return asio::error::timed_out;
    if (ec)
      return ec;
  }
  return asio::error::timed_out;
}

// -- plain client -------------------------------------------------------------

std::string plain_exchange(const tcp::endpoint& ep, const std::string& bytes,
                           bool& closed) {
  asio::io_context ioc;
  beast::tcp_stream tcp{ioc};
  closed = false;
  if (run_step(ioc, tcp, [&](auto handler) {
        tcp.async_connect(ep, std::move(handler));
      }))
    return {};
  if (run_step(ioc, tcp, [&](auto handler) {
        asio::async_write(tcp, asio::buffer(bytes), std::move(handler));
      }))
    return {};
  std::string received;
  char scratch[512];
  for (int reads = 0; reads < 1000; ++reads) {
    std::size_t got = 0;
    auto ec = run_step(ioc, tcp, [&](auto handler) {
      tcp.async_read_some(asio::buffer(scratch),
                          [&got, handler = std::move(handler)](
                              error_code ec, std::size_t n) mutable {
                            got = n;
                            handler(ec);
                          });
    });
    received.append(scratch, got);
    if (ec) {
      closed = ec == asio::error::eof || ec == asio::error::connection_reset;
      break;
    }
  }
  return received;
}

} // namespace deltascan::net::tls_test
