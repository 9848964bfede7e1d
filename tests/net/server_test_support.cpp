// The loopback server, scripted handlers and bounded client shared by the
// HTTP server and stub scanner tests.
#include "tests/net/server_test_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <utility>

namespace deltascan::net::server_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

// -- server_runner ------------------------------------------------------------

server_runner::server_runner(unsigned threads)
    : work_{asio::make_work_guard(ioc_)} {
  for (unsigned i = 0; i < threads; ++i)
    threads_.emplace_back([this] { ioc_.run(); });
}

server_runner::~server_runner() {
  work_.reset();
  ioc_.stop();
  for (auto& thread : threads_)
    thread.join();
}

http_server& server_runner::start(std::shared_ptr<request_handler> handler,
                                  server_limits limits) {
  server_.emplace(ioc_, std::move(handler), limits);
  auto ec = server_->listen({asio::ip::make_address("127.0.0.1"), 0});
  REQUIRE_FALSE(ec);
  server_->start();
  return *server_;
}

http_server& server_runner::server() {
  return *server_;
}

tcp::endpoint server_runner::endpoint() const {
  return server_->local_endpoint();
}

asio::io_context& server_runner::io_context() {
  return ioc_;
}

// -- scripted_handler ---------------------------------------------------------

scripted_handler::scripted_handler(request_step on_request, head_check on_head)
    : on_request_{std::move(on_request)}, on_head_{std::move(on_head)} {
  // nop
}

std::optional<http_response>
scripted_handler::check_header(const http::request_header<>& head,
                               request_hold&) {
  if (on_head_)
    return on_head_(head);
  return std::nullopt;
}

void scripted_handler::handle(http_request&& req, responder reply) {
  ++handled_;
  on_request_(std::move(req), std::move(reply));
}

int scripted_handler::handled() const {
  return handled_.load();
}

// -- held_requests ------------------------------------------------------------

void held_requests::hold(http_request, responder reply) {
  {
    std::lock_guard lock{mutex_};
    held_.push_back(std::move(reply));
  }
  changed_.notify_all();
}

bool held_requests::wait_for(std::size_t count) {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, patience,
                           [&] { return held_.size() >= count; });
}

std::optional<responder> held_requests::take() {
  std::lock_guard lock{mutex_};
  if (held_.empty())
    return std::nullopt;
  auto reply = std::move(held_.front());
  held_.pop_front();
  return reply;
}

void held_requests::clear() {
  std::deque<responder> dropped;
  std::lock_guard lock{mutex_};
  dropped.swap(held_);
}

// -- messages -----------------------------------------------------------------

http_response text_reply(const http_request& req, std::string body) {
  http_response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain");
  res.body() = std::move(body);
  return res;
}

http_request make_request(http::verb method, std::string_view target,
                          std::string body, std::string_view content_type) {
  http_request req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!content_type.empty())
    req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  if (!req.body().empty() || method == http::verb::post)
    req.prepare_payload();
  return req;
}

std::optional<problem_fields> parse_problem(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body).get(object))
    return std::nullopt;
  problem_fields fields;
  std::string_view text;
  std::uint64_t status = 0;
  if (object["type"].get(text))
    return std::nullopt;
  fields.type.assign(text);
  if (object["title"].get(text))
    return std::nullopt;
  fields.title.assign(text);
  if (object["status"].get(status))
    return std::nullopt;
  fields.status = static_cast<unsigned>(status);
  if (object["detail"].get(text))
    return std::nullopt;
  fields.detail.assign(text);
  return fields;
}

// -- test_client --------------------------------------------------------------

struct test_client::impl {
  explicit impl(std::chrono::milliseconds timeout)
      : timeout{timeout}, stream{ioc} {
    // nop
  }

  /// Runs the client's io_context until the started operation completes;
  /// the stream's deadline bounds it.
  void run() {
    ioc.restart();
    ioc.run();
  }

  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

test_client::test_client(std::chrono::milliseconds timeout)
    : impl_{std::make_unique<impl>(timeout)} {
  // nop
}

test_client::~test_client() = default;

error_code test_client::connect(const tcp::endpoint& ep) {
  error_code result;
  impl_->stream.expires_after(impl_->timeout);
  impl_->stream.async_connect(ep, [&](error_code ec) { result = ec; });
  impl_->run();
  return result;
}

error_code test_client::send(const http_request& req) {
  error_code result;
  impl_->stream.expires_after(impl_->timeout);
  http::async_write(impl_->stream, req,
                    [&](error_code ec, std::size_t) { result = ec; });
  impl_->run();
  return result;
}

error_code test_client::send_raw(std::string_view bytes) {
  error_code result;
  impl_->stream.expires_after(impl_->timeout);
  asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()),
                    [&](error_code ec, std::size_t) { result = ec; });
  impl_->run();
  return result;
}

error_code test_client::receive(http_response& res) {
  error_code result;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 << 20);
  impl_->stream.expires_after(impl_->timeout);
  http::async_read(impl_->stream, impl_->buffer, parser,
                   [&](error_code ec, std::size_t) { result = ec; });
  impl_->run();
  if (!result)
    res = parser.release();
  return result;
}

http_response test_client::exchange(const http_request& req) {
  REQUIRE_FALSE(send(req));
  http_response res;
  REQUIRE_FALSE(receive(res));
  return res;
}

bool test_client::closed_by_server(std::chrono::milliseconds bound) {
  impl_->buffer.consume(impl_->buffer.size());
  impl_->stream.expires_after(bound);
  for (;;) {
    error_code result;
    impl_->stream.async_read_some(
        impl_->buffer.prepare(4096),
        [&](error_code ec, std::size_t) { result = ec; });
    impl_->run();
    if (result == beast::error::timeout)
      return false;
    if (result)
      return true;
  }
}

bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

} // namespace deltascan::net::server_test
