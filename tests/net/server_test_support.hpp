// Test support for the HTTP server and the stub scanner: a server running on
// an ephemeral loopback port, a blocking client whose every step is bounded
// by a timeout, and handlers scripted by the test, so each test can play an
// observer (well-behaved, slow or broken) against the real server.
#pragma once

#include "net/http_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace deltascan::net::server_test {

using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;

/// Bound on every wait in these tests: generous, because the machine is
/// busy, and never a measure of speed.
inline constexpr std::chrono::milliseconds patience = 5s;

/// Runs an io_context on background threads and, once `start` is called, an
/// http_server on 127.0.0.1 port 0. Stops and joins in the destructor.
class server_runner {
public:
  explicit server_runner(unsigned threads = 1);
  ~server_runner();

  server_runner(const server_runner&) = delete;
  server_runner& operator=(const server_runner&) = delete;

  /// Creates, binds and starts the server.
  http_server& start(std::shared_ptr<request_handler> handler,
                     server_limits limits = {});

  http_server& server();
  tcp::endpoint endpoint() const;
  boost::asio::io_context& io_context();

private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_;
  std::vector<std::thread> threads_;
  std::optional<http_server> server_;
};

/// A handler whose behaviour the test sets with two functions. Counts the
/// requests it was given.
class scripted_handler : public request_handler {
public:
  using head_check = std::function<std::optional<http_response>(
      const http::request_header<>&)>;
  using request_step = std::function<void(http_request&&, responder)>;

  explicit scripted_handler(request_step on_request, head_check on_head = {});

  std::optional<http_response> check_header(const http::request_header<>& head,
                                            request_hold& hold) override;
  void handle(http_request&& req, responder reply) override;

  /// Requests that reached `handle`.
  int handled() const;

private:
  request_step on_request_;
  head_check on_head_;
  std::atomic<int> handled_{0};
};

/// Requests a handler keeps without answering, until the test answers or
/// drops them.
class held_requests {
public:
  void hold(http_request req, responder reply);

  /// Waits (bounded) until `count` requests are held.
  bool wait_for(std::size_t count);

  /// Takes the oldest held request's responder.
  std::optional<responder> take();

  /// Drops every held responder.
  void clear();

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<responder> held_;
};

/// A 200 reply with a text body; the server adds Content-Length.
http_response text_reply(const http_request& req, std::string body);

/// A request with Host set and, when a body is given, Content-Length.
http_request make_request(http::verb method, std::string_view target,
                          std::string body = {},
                          std::string_view content_type = {});

/// The members of a problem+json body.
struct problem_fields {
  std::string type;
  std::string title;
  unsigned status = 0;
  std::string detail;
};

/// Reads a problem+json body; none when it is not one.
std::optional<problem_fields> parse_problem(const std::string& body);

/// A blocking HTTP/1.1 client. Every step gives up after `timeout`.
class test_client {
public:
  explicit test_client(std::chrono::milliseconds timeout = patience);
  ~test_client();

  test_client(const test_client&) = delete;
  test_client& operator=(const test_client&) = delete;

  boost::system::error_code connect(const tcp::endpoint& ep);
  boost::system::error_code send(const http_request& req);
  boost::system::error_code send_raw(std::string_view bytes);

  /// Reads one response, 1xx interim responses included.
  boost::system::error_code receive(http_response& res);

  /// Sends a request and reads its response; fails the test on errors.
  http_response exchange(const http_request& req);

  /// Reads and discards until the server closes the connection: true when
  /// it does within `bound`, false when the connection stays open.
  bool closed_by_server(std::chrono::milliseconds bound = patience);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Polls `condition` until it holds or `bound` passes.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds bound = patience);

} // namespace deltascan::net::server_test
