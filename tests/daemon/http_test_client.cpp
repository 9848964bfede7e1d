// A bounded blocking client for posting batches to deltascand in tests.
#include "tests/daemon/http_test_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <utility>

namespace deltascan::e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

struct http_test_client::impl {
  explicit impl(std::chrono::milliseconds bound) : timeout{bound}, stream{ioc} {
    // nop
  }

  // Each step starts one asynchronous operation and runs the private
  // io_context until it completes; the stream's deadline bounds the wait.
  template <class Start>
  error_code step(Start&& start) {
    error_code result;
    stream.expires_after(timeout);
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

http_test_client::http_test_client(std::chrono::milliseconds timeout)
    : impl_{std::make_unique<impl>(timeout)} {
  // nop
}

http_test_client::~http_test_client() = default;

error_code http_test_client::connect(const tcp::endpoint& ep) {
  return impl_->step(
      [&](auto handler) { impl_->stream.async_connect(ep, handler); });
}

error_code http_test_client::send(const net::http_request& req) {
  return impl_->step(
      [&](auto handler) { http::async_write(impl_->stream, req, handler); });
}

error_code http_test_client::send_raw(std::string_view bytes) {
  return impl_->step([&](auto handler) {
    asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()),
                      handler);
  });
}

error_code http_test_client::receive(net::http_response& res) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  auto ec = impl_->step([&](auto handler) {
    http::async_read(impl_->stream, impl_->buffer, parser, handler);
  });
  if (!ec)
    res = parser.release();
  return ec;
}

std::optional<net::http_response>
http_test_client::exchange(const net::http_request& req) {
  if (send(req))
    return std::nullopt;
  net::http_response res;
  if (receive(res))
    return std::nullopt;
  return res;
}

bool http_test_client::closed_by_server() {
  auto deadline = std::chrono::steady_clock::now() + impl_->timeout;
  impl_->buffer.clear();
  while (std::chrono::steady_clock::now() < deadline) {
    auto ec = impl_->step([&](auto handler) {
      impl_->stream.async_read_some(impl_->buffer.prepare(4096), handler);
    });
    if (ec == beast::error::timeout)
      return false;
    if (ec)
      return true;
    impl_->buffer.clear();
  }
  return false;
}

tcp::endpoint loopback(unsigned short port) {
  return {asio::ip::make_address_v4("127.0.0.1"), port};
}

net::http_request make_request(http::verb method, std::string_view target,
                               std::string body,
                               std::string_view content_type) {
  net::http_request req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::user_agent, "deltascan-e2e-observer");
  if (!content_type.empty())
    req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  if (method == http::verb::post || !req.body().empty())
    req.prepare_payload();
  return req;
}

net::http_request post_batch(std::string body, std::string_view content_type) {
  return make_request(http::verb::post, "/api/v1/runtime/events",
                      std::move(body), content_type);
}

std::optional<net::http_response>
exchange_once(const tcp::endpoint& ep, const net::http_request& req,
              std::chrono::milliseconds timeout) {
  http_test_client client{timeout};
  if (client.connect(ep))
    return std::nullopt;
  return client.exchange(req);
}

} // namespace deltascan::e2e
