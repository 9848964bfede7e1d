// A stand-in scanner for the scan-submission client's tests: it listens on an
// ephemeral loopback port and answers each submission the way the test
// scripts it (a reply, a delay, silence, a dropped or reset connection,
// garbage), recording what it received and how many connections it took.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deltascan::test {

/// What the scripted scanner does with one request.
struct scripted_reply {
  enum class action {
    /// Sends `status` and `body`.
    respond,
    /// Closes the connection without answering.
    close,
    /// Resets the connection (RST) without answering.
    reset,
    /// Sends bytes that are not HTTP, then closes.
    garbage,
    /// Never answers; the connection stays open until the server stops.
    silent,
  };

  action what = action::respond;
  unsigned status = 200;
  std::string body;
  /// Waits this long before acting.
  std::chrono::milliseconds delay{0};
  /// Answers with `Connection: close` but keeps the connection open, so a
  /// client that ignored the header would be caught sending on it again.
  bool connection_close_header = false;
  /// Closes the connection right after answering without announcing it, as
  /// a server whose keep-alive timeout ran out does.
  bool close_after_reply = false;
};

/// One request as the scripted scanner read it.
struct received_request {
  boost::beast::http::request<boost::beast::http::string_body> message;
  /// Which accepted connection carried it, counting from 0.
  std::size_t connection = 0;
};

/// The accepted body of a scanner that queued scan `scan_id`.
std::string accepted_body(const std::string& scan_id, bool created = true);

class scripted_scanner {
public:
  /// Decides the reply to the `index`-th request (counting from 0).
  using script = std::function<scripted_reply(const received_request& request,
                                              std::size_t index)>;

  explicit scripted_scanner(script decide);
  ~scripted_scanner();

  scripted_scanner(const scripted_scanner&) = delete;
  scripted_scanner& operator=(const scripted_scanner&) = delete;

  std::uint16_t port() const { return port_; }

  /// Connections accepted so far.
  std::size_t accepted() const;

  /// The most requests that were read but not yet answered at one time.
  std::size_t peak_unanswered() const;

  /// Every request read so far, in arrival order.
  std::vector<received_request> requests() const;

  /// Waits until `count` requests have arrived or `bound` has passed.
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds bound);

private:
  class session;

  void accept();
  /// Called on the server thread when a session read a whole request.
  scripted_reply on_request(received_request request);
  void on_answered();

  script decide_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  /// Only touched on the server thread (and after it joined).
  std::vector<std::shared_ptr<session>> sessions_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<received_request> requests_;
  std::size_t accepted_ = 0;
  std::size_t unanswered_ = 0;
  std::size_t peak_unanswered_ = 0;
  std::thread thread_;
};

/// A port on 127.0.0.1 that nothing listens on: bound, noted, closed.
std::uint16_t unused_port();

} // namespace deltascan::test
