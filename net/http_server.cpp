// Accepts the connections of runtime observers (and of deltascand, for the
// stub scanner) and walks each through its requests: TLS handshake when the
// endpoint is HTTPS, then head, header check, body, handler, response, each
// step under its own deadline, so that a slow or broken client costs a
// bounded amount of time and memory. Plain and TLS connections share one
// session template: only the stream differs.
#include "net/http_server.hpp"

#include "actors/logging.hpp"
#include "net/problem.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace deltascan::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

/// Read buffer per connection. Reserving it up front lets one recv() take a
/// large batch body in big pieces instead of 512-byte steps.
constexpr std::size_t read_buffer_bytes = 64 * 1024;

/// Largest request head (request line and fields) read; bearer tokens make
/// heads of a few KiB.
constexpr std::uint32_t max_head_bytes = 16 * 1024;

/// Bytes a closing connection discards at most before it gives up waiting
/// for the client to finish sending.
constexpr std::size_t linger_byte_limit = 1 << 20;

/// Pause before accepting again after a failed accept (e.g. out of file
/// descriptors), so the failure does not turn into a busy loop.
constexpr auto accept_retry_delay = std::chrono::milliseconds{100};

const boost::system::error_category& http_error_category() {
  static const auto& category =
      http::make_error_code(http::error::bad_target).category();
  return category;
}

bool expects_continue(const http::request_header<>& head) {
  return head.version() >= 11 &&
         beast::iequals(head[http::field::expect], "100-continue");
}

} // namespace

namespace detail {

class server_connection;

/// The server's state, shared by the acceptor and every session so that it
/// outlives the `http_server` object while connections remain.
class http_listener : public std::enable_shared_from_this<http_listener> {
public:
  http_listener(asio::io_context& ioc, std::shared_ptr<request_handler> handler,
                server_limits limits, std::shared_ptr<ssl::context> tls)
      : ioc_{ioc}, strand_{asio::make_strand(ioc)}, acceptor_{strand_},
        retry_timer_{strand_}, handler_{std::move(handler)}, limits_{limits},
        tls_{std::move(tls)}, log_{component_logger("http")} {
    // nop
  }

  // -- the http_server interface ----------------------------------------------

  error_code listen(const tcp::endpoint& ep);
  tcp::endpoint local_endpoint() const;
  void start();
  void stop(bool abort_connections);

  std::size_t connection_count() const {
    return connections_.load(std::memory_order_relaxed);
  }

  std::size_t requests_in_progress() const {
    return in_progress_.load(std::memory_order_relaxed);
  }

  // -- services for sessions, thread-safe -------------------------------------

  request_handler& handler() const { return *handler_; }

  const server_limits& limits() const { return limits_; }

  /// Null when the endpoint is plain HTTP.
  ssl::context* tls() const { return tls_.get(); }

  const std::shared_ptr<spdlog::logger>& log() const { return log_; }

  void request_started() {
    in_progress_.fetch_add(1, std::memory_order_relaxed);
  }

  void request_finished() {
    in_progress_.fetch_sub(1, std::memory_order_relaxed);
  }

  void connection_closed(bool admitted) {
    connections_.fetch_sub(1, std::memory_order_relaxed);
    if (admitted)
      admitted_.fetch_sub(1, std::memory_order_relaxed);
  }

  void forget(const server_connection* gone) {
    std::lock_guard lock{sessions_mutex_};
    sessions_.erase(gone);
  }

private:
  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);
  void on_stop(bool abort_connections);

  // Touched only on strand_.
  asio::io_context& ioc_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  bool accepting_ = false;
  bool refusing_ = false;
  std::uint64_t next_session_id_ = 0;

  // Immutable after construction.
  const std::shared_ptr<request_handler> handler_;
  const server_limits limits_;
  const std::shared_ptr<ssl::context> tls_;
  const std::shared_ptr<spdlog::logger> log_;

  // Written by `listen` before `start`, read from any thread.
  mutable std::mutex endpoint_mutex_;
  tcp::endpoint endpoint_;

  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> admitted_{0};
  std::atomic<std::size_t> in_progress_{0};

  // Weak so that a finished session goes away on its own; sessions remove
  // themselves in their destructor.
  std::mutex sessions_mutex_;
  std::unordered_map<const server_connection*, std::weak_ptr<server_connection>>
      sessions_;
};

/// What the listener and a handler's responder need of a connection,
/// whichever stream carries it. Every entry point is thread-safe.
class server_connection
    : public std::enable_shared_from_this<server_connection> {
public:
  virtual ~server_connection() = default;

  virtual void start() = 0;
  virtual void drain() = 0;
  virtual void abort() = 0;
  virtual void deliver(http_response res) = 0;
  virtual void abandon() = 0;
};

/// One client connection: completes the TLS handshake when `Stream` is a TLS
/// stream, reads requests one after the other, hands each to the handler,
/// writes its response, and closes the connection when the rules (or a
/// deadline) say so. Runs on its own strand; owned by the pending operation,
/// or by the responder while the handler works.
template <class Stream>
class server_session final : public server_connection {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  server_session(tcp::socket&& socket,
                 std::shared_ptr<detail::http_listener> owner, bool admitted,
                 std::uint64_t id);

  ~server_session() override;

  server_session(const server_session&) = delete;
  server_session& operator=(const server_session&) = delete;

  // -- thread-safe entry points -----------------------------------------------

  void start() override;
  void drain() override;
  void abort() override;
  void deliver(http_response res) override;
  void abandon() override;

private:
  enum class phase {
    handshaking, // TLS, before the first request
    waiting,     // for the first byte of a request
    reading,     // a request's head or body
    handling,    // the handler has the request
    writing,     // a response
    closing,     // discarding what the client still sends
    closed,
  };

  static Stream open_stream(tcp::socket&& socket, http_listener& owner);

  std::shared_ptr<server_session> self() {
    return std::static_pointer_cast<server_session>(shared_from_this());
  }

  /// The TCP layer under the stream, which carries the deadlines.
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  // -- one request, in order --------------------------------------------------

  void handshake();
  void on_handshake(error_code ec);
  void wait_for_request();
  void on_first_bytes(error_code ec, std::size_t n);
  void read_head();
  void on_head(error_code ec, std::size_t n);
  void send_continue();
  void on_continue_sent(error_code ec, std::size_t n);
  void read_body();
  void on_body(error_code ec, std::size_t n);
  void dispatch_request();
  void on_response(http_response res);
  void on_abandoned();
  void write_response(http_response res, bool force_close);
  void on_written(bool keep_alive, error_code ec, std::size_t n);

  // -- errors and closing -----------------------------------------------------

  void on_read_error(error_code ec);
  void reject(http::status status, std::string_view detail);
  void linger_close();
  void on_tls_shutdown(error_code ec);
  void half_close();
  void discard_input();
  void on_discarded(error_code ec, std::size_t n);
  void close(std::string_view reason);

  void begin_request();
  void end_request();

  const asio::any_io_executor executor_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<padded_string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  http_response response_;
  /// What the handler attached to the current request at its head; dropped
  /// as soon as the reply is handed over, so that whatever it counts is free
  /// again before the client can send its next request. A closed session
  /// keeps it while the handler still holds a responder: the work goes on.
  request_hold hold_;
  const std::shared_ptr<detail::http_listener> owner_;
  const std::shared_ptr<spdlog::logger> log_;
  const bool admitted_;
  const std::uint64_t id_;
  /// The first request's head (and the TLS handshake before it) must arrive
  /// by then, so that a client that connects and says nothing is cut off
  /// like a slow one.
  std::chrono::steady_clock::time_point first_head_deadline_;
  std::string peer_;
  /// "METHOD target" of the current request, for log lines.
  std::string request_line_;
  phase phase_ = is_tls ? phase::handshaking : phase::waiting;
  bool first_request_ = true;
  bool request_keep_alive_ = false;
  bool draining_ = false;
  bool request_counted_ = false;
  std::size_t discarded_bytes_ = 0;
};

/// Routes a handler's reply (or its absence) back to the session's strand.
class server_session_sink final : public responder::sink {
public:
  explicit server_session_sink(std::shared_ptr<server_connection> target)
      : session_{std::move(target)} {
    // nop
  }

  void deliver(http_response res) override {
    session_->deliver(std::move(res));
  }

  void abandon() override { session_->abandon(); }

private:
  std::shared_ptr<server_connection> session_;
};

// -- session: construction and entry points -----------------------------------

template <class Stream>
server_session<Stream>::server_session(
    tcp::socket&& socket, std::shared_ptr<detail::http_listener> owner,
    bool admitted, std::uint64_t id)
    : executor_{socket.get_executor()},
      stream_{open_stream(std::move(socket), *owner)}, owner_{std::move(owner)},
      log_{owner_->log()}, admitted_{admitted}, id_{id} {
  buffer_.reserve(read_buffer_bytes);
  error_code ec;
  auto peer = tcp_layer().socket().remote_endpoint(ec);
  peer_ = ec ? std::string{"unknown peer"} : endpoint_text(peer);
}

template <class Stream>
Stream server_session<Stream>::open_stream(tcp::socket&& socket,
                                           http_listener& owner) {
  if constexpr (is_tls)
    return Stream{std::move(socket), *owner.tls()};
  else
    return Stream{std::move(socket)};
}

template <class Stream>
server_session<Stream>::~server_session() {
  close("session ended");
  owner_->forget(this);
}

template <class Stream>
void server_session<Stream>::start() {
  asio::post(executor_, [self = self()] {
    self->log_->debug("http opened connection {} from {}", self->id_,
                      self->peer_);
    self->first_head_deadline_ = std::chrono::steady_clock::now() +
                                 self->owner_->limits().header_timeout;
    if constexpr (is_tls)
      self->handshake();
    else
      self->wait_for_request();
  });
}

template <class Stream>
void server_session<Stream>::drain() {
  asio::post(executor_, [self = self()] {
    self->draining_ = true;
    // A request that has started finishes; an idle connection (or one still
    // shaking hands) has nothing to finish.
    // TODO: an idle TLS connection closes without a close_notify alert,
    // because its pending read cannot share the stream with a TLS shutdown;
    // clients see a truncated but complete exchange.
    if (self->phase_ == phase::waiting || self->phase_ == phase::handshaking)
      self->close("server draining");
  });
}

template <class Stream>
void server_session<Stream>::abort() {
  asio::post(executor_, [self = self()] { self->close("server aborted"); });
}

template <class Stream>
void server_session<Stream>::deliver(http_response res) {
  asio::post(executor_, [self = self(), res = std::move(res)]() mutable {
    self->on_response(std::move(res));
  });
}

template <class Stream>
void server_session<Stream>::abandon() {
  asio::post(executor_, [self = self()] { self->on_abandoned(); });
}

// -- session: one request -----------------------------------------------------

template <class Stream>
void server_session<Stream>::handshake() {
  tcp_layer().expires_at(first_head_deadline_);
  stream_.async_handshake(
      ssl::stream_base::server,
      beast::bind_front_handler(&server_session::on_handshake, self()));
}

template <class Stream>
void server_session<Stream>::on_handshake(error_code ec) {
  if (phase_ == phase::closed)
    return;
  if (ec) {
    // Plain HTTP sent to the TLS port, a client certificate missing or
    // signed by another CA, a scanner probing the port: that client's
    // problem, so no warning.
    close(ec == beast::error::timeout
              ? std::string{"timed out in the TLS handshake"}
              : "TLS handshake failed: " + ec.message());
    return;
  }
  if (draining_) {
    close("server draining");
    return;
  }
  wait_for_request();
}

template <class Stream>
void server_session<Stream>::wait_for_request() {
  const auto& limits = owner_->limits();
  parser_.emplace();
  parser_->body_limit(limits.max_body_bytes);
  parser_->header_limit(max_head_bytes);
  request_line_.clear();
  // A pipelined request may already be in the buffer.
  if (buffer_.size() > 0) {
    read_head();
    return;
  }
  phase_ = phase::waiting;
  if (first_request_)
    tcp_layer().expires_at(first_head_deadline_);
  else
    tcp_layer().expires_after(limits.idle_timeout);
  stream_.async_read_some(
      buffer_.prepare(beast::read_size(buffer_, read_buffer_bytes)),
      beast::bind_front_handler(&server_session::on_first_bytes, self()));
}

template <class Stream>
void server_session<Stream>::on_first_bytes(error_code ec, std::size_t n) {
  if (phase_ == phase::closed)
    return;
  if (ec) {
    on_read_error(ec);
    return;
  }
  buffer_.commit(n);
  read_head();
}

template <class Stream>
void server_session<Stream>::read_head() {
  phase_ = phase::reading;
  if (!first_request_)
    tcp_layer().expires_after(owner_->limits().header_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&server_session::on_head, self()));
}

template <class Stream>
void server_session<Stream>::on_head(error_code ec, std::size_t) {
  if (phase_ == phase::closed)
    return;
  if (ec) {
    on_read_error(ec);
    return;
  }
  begin_request();
  const auto& head = parser_->get();
  request_keep_alive_ = head.keep_alive();
  request_line_.assign(head.method_string());
  request_line_ += ' ';
  request_line_ += head.target();
  if (!admitted_) {
    // The connection bound: see on_accept for why refused clients get an
    // answer instead of waiting in the backlog.
    auto res =
        make_problem(http::status::service_unavailable,
                     "the server is serving its maximum of " +
                         std::to_string(owner_->limits().max_connections) +
                         " connections; retry later",
                     head.version(), false);
    res.set(http::field::retry_after, "1");
    write_response(std::move(res), true);
    return;
  }
  std::optional<http_response> early;
  try {
    early = owner_->handler().check_header(head, hold_);
  } catch (const std::exception& e) {
    log_->error("http handler failed to check the head of {}: {}",
                request_line_, e.what());
    early = make_problem(http::status::internal_server_error,
                         "the server failed while checking the request head",
                         head.version(), false);
  }
  if (early) {
    // An unread body would be taken for the next request: close instead.
    write_response(std::move(*early), !parser_->is_done());
    return;
  }
  if (parser_->is_done())
    dispatch_request();
  else if (expects_continue(head))
    send_continue();
  else
    read_body();
}

template <class Stream>
void server_session<Stream>::send_continue() {
  phase_ = phase::writing;
  continue_.emplace(http::status::continue_, 11);
  tcp_layer().expires_after(owner_->limits().write_timeout);
  http::async_write(
      stream_, *continue_,
      beast::bind_front_handler(&server_session::on_continue_sent, self()));
}

template <class Stream>
void server_session<Stream>::on_continue_sent(error_code ec, std::size_t) {
  if (phase_ == phase::closed)
    return;
  continue_.reset();
  if (ec) {
    close(ec == beast::error::timeout ? "timed out writing 100 Continue"
                                      : "failed to write 100 Continue");
    return;
  }
  read_body();
}

template <class Stream>
void server_session<Stream>::read_body() {
  phase_ = phase::reading;
  tcp_layer().expires_after(owner_->limits().body_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&server_session::on_body, self()));
}

template <class Stream>
void server_session<Stream>::on_body(error_code ec, std::size_t) {
  if (phase_ == phase::closed)
    return;
  if (ec) {
    on_read_error(ec);
    return;
  }
  dispatch_request();
}

template <class Stream>
void server_session<Stream>::dispatch_request() {
  phase_ = phase::handling;
  // The handler may wait on actors for a while; the write re-arms the
  // deadline.
  tcp_layer().expires_never();
  responder reply{std::make_shared<server_session_sink>(self())};
  try {
    owner_->handler().handle(parser_->release(), std::move(reply));
  } catch (const std::exception& e) {
    // The responder is gone with the exception unless the handler kept a
    // copy; either way the connection is closed or answered, not leaked.
    log_->error("http handler failed on {}: {}", request_line_, e.what());
  }
}

template <class Stream>
void server_session<Stream>::on_response(http_response res) {
  if (phase_ != phase::handling) {
    hold_.reset();
    log_->debug("http dropped the reply to {} on connection {}: "
                "connection already closed",
                request_line_, id_);
    return;
  }
  write_response(std::move(res), false);
}

template <class Stream>
void server_session<Stream>::on_abandoned() {
  hold_.reset();
  if (phase_ != phase::handling)
    return;
  log_->warn("http handler dropped {} without a reply; closing connection {}",
             request_line_, id_);
  close("request abandoned by the handler");
}

template <class Stream>
void server_session<Stream>::write_response(http_response res,
                                            bool force_close) {
  hold_.reset();
  if (!res.has_content_length() && !res.chunked()) {
    try {
      res.prepare_payload();
    } catch (const std::invalid_argument& e) {
      // E.g. a body on a 204: the client could not frame it.
      log_->error("http handler built an invalid {} reply to {}: {}",
                  res.result_int(), request_line_, e.what());
      res = make_problem(http::status::internal_server_error,
                         "the server built an invalid response", res.version(),
                         false);
    }
  }
  const bool keep_alive = !force_close && admitted_ && !draining_ &&
                          request_keep_alive_ && res.keep_alive();
  res.keep_alive(keep_alive);
  response_ = std::move(res);
  phase_ = phase::writing;
  tcp_layer().expires_after(owner_->limits().write_timeout);
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&server_session::on_written,
                                              self(), keep_alive));
}

template <class Stream>
void server_session<Stream>::on_written(bool keep_alive, error_code ec,
                                        std::size_t) {
  if (phase_ == phase::closed)
    return;
  end_request();
  response_ = {};
  if (ec) {
    close(ec == beast::error::timeout ? "timed out writing a response"
                                      : "failed to write a response");
    return;
  }
  // A drain that arrived during the write ends the connection as well.
  if (!keep_alive || draining_) {
    linger_close();
    return;
  }
  first_request_ = false;
  wait_for_request();
}

// -- session: errors and closing ----------------------------------------------

template <class Stream>
void server_session<Stream>::on_read_error(error_code ec) {
  if (ec == http::error::body_limit) {
    auto limit = owner_->limits().max_body_bytes;
    // A declared length over the limit fails before the head counts as
    // done, so the field is read from the message.
    auto length = parser_->get()[http::field::content_length];
    if (!length.empty())
      reject(http::status::payload_too_large,
             "request body of " + std::string{length} +
                 " bytes exceeds the limit of " + std::to_string(limit) +
                 " bytes");
    else
      reject(http::status::payload_too_large,
             "request body exceeds the limit of " + std::to_string(limit) +
                 " bytes");
  } else if (ec == http::error::header_limit) {
    reject(http::status::request_header_fields_too_large,
           "request head exceeds the limit of " +
               std::to_string(max_head_bytes) + " bytes");
  } else if (ec == http::error::end_of_stream || ec == asio::error::eof ||
             ec == ssl::error::stream_truncated) {
    // A TLS client that closes without close_notify truncates the stream;
    // between requests that is an ordinary close.
    close("closed by the client");
  } else if (ec == http::error::partial_message) {
    close("closed by the client in the middle of a request");
  } else if (ec == beast::error::timeout) {
    close(phase_ == phase::waiting && !first_request_
              ? "idle timeout"
              : "timed out reading a request");
  } else if (ec == asio::error::operation_aborted) {
    close("read cancelled");
  } else if (ec.category() == http_error_category()) {
    reject(http::status::bad_request,
           "malformed HTTP request: " + ec.message());
  } else {
    log_->debug("http failed to read from connection {}: {}", id_,
                ec.message());
    close("read failed");
  }
}

template <class Stream>
void server_session<Stream>::reject(http::status status,
                                    std::string_view detail) {
  begin_request();
  log_->debug("http rejected a request on connection {} from {}: {}", id_,
              peer_, detail);
  unsigned version = parser_ && parser_->get().version() == 10 ? 10 : 11;
  write_response(make_problem(status, detail, version, false), true);
}

template <class Stream>
void server_session<Stream>::linger_close() {
  phase_ = phase::closing;
  parser_.reset();
  buffer_.clear();
  // One bound for the whole goodbye: the TLS close_notify exchange and the
  // discarding after it.
  tcp_layer().expires_after(owner_->limits().linger_timeout);
  if constexpr (is_tls) {
    // close_notify tells the client that the response ended here and was
    // not cut off by an attacker.
    stream_.async_shutdown(
        beast::bind_front_handler(&server_session::on_tls_shutdown, self()));
  } else {
    half_close();
  }
}

template <class Stream>
void server_session<Stream>::on_tls_shutdown(error_code ec) {
  if (phase_ == phase::closed)
    return;
  // Most clients close without answering our close_notify; that ends the
  // shutdown with an error, and is no reason to skip the TCP goodbye.
  if (ec == beast::error::timeout) {
    close("timed out closing TLS");
    return;
  }
  half_close();
}

template <class Stream>
void server_session<Stream>::half_close() {
  // Closing a socket with unread input makes the kernel send a reset, which
  // can destroy the response before the client reads it. Half-close and
  // discard what the client still sends, within a bound, before closing.
  // Under TLS the discarded bytes are read below the TLS layer: they are
  // thrown away unread anyway.
  error_code ec;
  tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    close("closed after the response");
    return;
  }
  discarded_bytes_ = 0;
  discard_input();
}

template <class Stream>
void server_session<Stream>::discard_input() {
  tcp_layer().async_read_some(
      buffer_.prepare(beast::read_size(buffer_, read_buffer_bytes)),
      beast::bind_front_handler(&server_session::on_discarded, self()));
}

template <class Stream>
void server_session<Stream>::on_discarded(error_code ec, std::size_t n) {
  if (phase_ == phase::closed)
    return;
  discarded_bytes_ += n;
  if (ec || discarded_bytes_ > linger_byte_limit) {
    close("closed after the response");
    return;
  }
  discard_input();
}

template <class Stream>
void server_session<Stream>::close(std::string_view reason) {
  if (phase_ == phase::closed)
    return;
  phase_ = phase::closed;
  tcp_layer().close();
  end_request();
  owner_->connection_closed(admitted_);
  log_->debug("http closed connection {} from {}: {}", id_, peer_, reason);
}

template <class Stream>
void server_session<Stream>::begin_request() {
  if (request_counted_)
    return;
  request_counted_ = true;
  owner_->request_started();
}

template <class Stream>
void server_session<Stream>::end_request() {
  if (!request_counted_)
    return;
  request_counted_ = false;
  owner_->request_finished();
}

// -- listener -----------------------------------------------------------------

error_code http_listener::listen(const tcp::endpoint& ep) {
  error_code ec;
  auto fail = [&] {
    error_code ignored;
    acceptor_.close(ignored);
    return ec;
  };
  if (acceptor_.open(ep.protocol(), ec); ec)
    return fail();
  if (acceptor_.set_option(asio::socket_base::reuse_address{true}, ec); ec)
    return fail();
  if (acceptor_.bind(ep, ec); ec)
    return fail();
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail();
  auto bound = acceptor_.local_endpoint(ec);
  if (ec)
    return fail();
  std::lock_guard lock{endpoint_mutex_};
  endpoint_ = bound;
  return {};
}

tcp::endpoint http_listener::local_endpoint() const {
  std::lock_guard lock{endpoint_mutex_};
  return endpoint_;
}

void http_listener::start() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->accepting_)
      return;
    if (!self->acceptor_.is_open()) {
      self->log_->error("http cannot accept connections: not listening");
      return;
    }
    self->accepting_ = true;
    self->log_->info("http accepting {} connections on {}",
                     self->tls_ ? "HTTPS" : "HTTP",
                     endpoint_text(self->local_endpoint()));
    self->do_accept();
  });
}

void http_listener::stop(bool abort_connections) {
  asio::post(strand_, [self = shared_from_this(), abort_connections] {
    self->on_stop(abort_connections);
  });
}

void http_listener::on_stop(bool abort_connections) {
  if (acceptor_.is_open()) {
    error_code ignored;
    acceptor_.close(ignored);
    log_->info("http stopped accepting connections on {}",
               endpoint_text(local_endpoint()));
  }
  accepting_ = false;
  retry_timer_.cancel();
  // Lock the sessions outside the mutex: dropping the last reference runs a
  // session's destructor, which takes the mutex.
  std::vector<std::weak_ptr<server_connection>> open;
  {
    std::lock_guard lock{sessions_mutex_};
    open.reserve(sessions_.size());
    for (const auto& entry : sessions_)
      open.push_back(entry.second);
  }
  for (const auto& weak : open) {
    if (auto s = weak.lock()) {
      if (abort_connections)
        s->abort();
      else
        s->drain();
    }
  }
}

void http_listener::do_accept() {
  acceptor_.async_accept(
      asio::make_strand(ioc_),
      beast::bind_front_handler(&http_listener::on_accept, shared_from_this()));
}

void http_listener::on_accept(error_code ec, tcp::socket socket) {
  if (!accepting_) {
    // Stopped while this completion was queued.
    error_code ignored;
    socket.close(ignored);
    return;
  }
  if (ec) {
    if (ec == asio::error::operation_aborted)
      return;
    log_->warn("http failed to accept a connection: {}; retrying",
               ec.message());
    retry_timer_.expires_after(accept_retry_delay);
    retry_timer_.async_wait([self = shared_from_this()](error_code wait_ec) {
      if (!wait_ec && self->accepting_)
        self->do_accept();
    });
    return;
  }
  // At the connection bound, new clients are accepted and answered 503
  // with `Connection: close` rather than left unaccepted: an observer then
  // learns at once that the server is busy and backs off, instead of
  // hanging in the listen backlog until its connect timeout, which looks
  // the same as a dead server. The refusal costs one short-lived session,
  // bounded by the head deadline.
  bool admitted =
      admitted_.load(std::memory_order_relaxed) < limits_.max_connections;
  if (admitted) {
    admitted_.fetch_add(1, std::memory_order_relaxed);
    refusing_ = false;
  } else if (!refusing_) {
    refusing_ = true;
    log_->warn("http refuses new connections with 503: at the limit of {} "
               "connections",
               limits_.max_connections);
  }
  connections_.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<server_connection> s;
  if (tls_)
    s = std::make_shared<server_session<tls_stream>>(
        std::move(socket), shared_from_this(), admitted, ++next_session_id_);
  else
    s = std::make_shared<server_session<beast::tcp_stream>>(
        std::move(socket), shared_from_this(), admitted, ++next_session_id_);
  {
    std::lock_guard lock{sessions_mutex_};
    sessions_.emplace(s.get(), s);
  }
  s->start();
  do_accept();
}

} // namespace detail

// -- http_server --------------------------------------------------------------

std::string endpoint_text(const tcp::endpoint& ep) {
  auto address = ep.address().to_string();
  auto port = std::to_string(ep.port());
  if (ep.address().is_v6())
    return "[" + address + "]:" + port;
  return address + ":" + port;
}

http_server::http_server(asio::io_context& ioc,
                         std::shared_ptr<request_handler> handler,
                         server_limits limits,
                         std::shared_ptr<ssl::context> tls)
    : impl_{std::make_shared<detail::http_listener>(ioc, std::move(handler),
                                                    limits, std::move(tls))} {
  // nop
}

http_server::~http_server() {
  impl_->stop(true);
}

error_code http_server::listen(const tcp::endpoint& ep) {
  return impl_->listen(ep);
}

tcp::endpoint http_server::local_endpoint() const {
  return impl_->local_endpoint();
}

void http_server::start() {
  impl_->start();
}

void http_server::stop_accepting() {
  impl_->stop(false);
}

void http_server::close_all() {
  impl_->stop(true);
}

std::size_t http_server::connection_count() const {
  return impl_->connection_count();
}

std::size_t http_server::requests_in_progress() const {
  return impl_->requests_in_progress();
}

} // namespace deltascan::net
