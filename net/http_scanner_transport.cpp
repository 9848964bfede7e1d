// The keep-alive pool behind scan submissions: which connection carries a
// submission, when a dropped idle connection earns a retry, how an https
// scanner's certificate and name are checked, and how each exchange ends in
// exactly one scan outcome.
#include "net/http_scanner_transport.hpp"

#include "actors/logging.hpp"
#include "net/scanner_reply.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "deltascan/version.hpp"
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <utility>
#include <variant>
#include <vector>

namespace deltascan::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

/// A scan reply is a few hundred bytes; anything near this is not a reply.
constexpr std::uint64_t reply_body_limit = 1024 * 1024;

/// Read buffer reserved per connection, enough for a reply in one `recv`.
constexpr std::size_t read_buffer_reserve = 4096;

const std::string shutting_down = "scanner client shutting down";

scan_outcome shutdown_outcome() {
  return scan_outcome::failure(shutting_down, failure_kind::shutdown);
}

/// Timeouts are the scanner being slow; the rest is the network failing.
failure_kind kind_of(const error_code& ec) {
  return ec == beast::error::timeout ? failure_kind::timeout
                                     : failure_kind::connection;
}

std::string make_authority(const scanner_endpoint& endpoint) {
  auto port = std::to_string(endpoint.port);
  if (endpoint.host.find(':') != std::string::npos)
    return "[" + endpoint.host + "]:" + port;
  return endpoint.host + ":" + port;
}

std::string make_target(std::string base_path) {
  while (!base_path.empty() && base_path.back() == '/')
    base_path.pop_back();
  if (!base_path.empty() && base_path.front() != '/')
    base_path.insert(base_path.begin(), '/');
  return base_path + "/api/v1/scans";
}

/// Errors that mean the peer had closed the connection before our request
/// reached it: on a reused idle connection, the scanner never saw it.
bool is_stale_connection_error(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::ssl::error::stream_truncated ||
         ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted ||
         ec == asio::error::broken_pipe;
}

/// A plain connection, or a TLS one over TCP.
using stream_layers = std::variant<beast::tcp_stream, tls_stream>;

stream_layers
open_layers(const asio::strand<asio::io_context::executor_type>& ex,
            asio::ssl::context* tls) {
  if (tls != nullptr)
    return stream_layers{std::in_place_type<tls_stream>, ex, *tls};
  return stream_layers{std::in_place_type<beast::tcp_stream>, ex};
}

beast::tcp_stream& tcp_layer(stream_layers& layers) {
  return std::visit(
      [](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
      layers);
}

/// Makes the handshake check that the certificate names the scanner we
/// meant (the CA check alone would accept any site the CA vouches for), and
/// sends the name as SNI for scanners behind a shared address. False when
/// OpenSSL could not take the name: connecting would then skip the check.
bool expect_peer_name(tls_stream& stream, const std::string& host) {
  auto* native = stream.native_handle();
  auto* param = SSL_get0_param(native);
  error_code not_address;
  asio::ip::make_address(host, not_address);
  if (!not_address)
    return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  // SNI carries names only, never addresses.
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1 &&
         SSL_set_tlsext_host_name(native, host.c_str()) == 1;
}

/// A failed handshake as an operator reads it: OpenSSL's reason and, when
/// the scanner's certificate was refused, what was wrong with it.
std::string handshake_failure(const error_code& ec, tls_stream& stream) {
  auto what = ec.message();
  auto verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK)
    what += std::string{": "} + X509_verify_cert_error_string(verify);
  return what;
}

} // namespace

// -- internal state -----------------------------------------------------------

/// One scan submission from `submit` to its completion.
struct http_scanner_transport::job {
  http::request<http::string_body> request;
  std::string client_request_id;
  completion done;
  /// Set when the submission first gets a connection; a retry keeps it.
  std::chrono::steady_clock::time_point deadline;
  bool started = false;
  bool retried = false;

  /// Starts the timeout: time spent queued behind busy connections is not
  /// the scanner's fault, so it does not count.
  void start_clock(std::chrono::milliseconds timeout) {
    if (started)
      return;
    started = true;
    deadline = std::chrono::steady_clock::now() + timeout;
  }
};

/// One keep-alive connection to the scanner and the submission it carries.
struct http_scanner_transport::connection {
  connection(const asio::strand<asio::io_context::executor_type>& ex,
             asio::ssl::context* tls)
      : layers{open_layers(ex, tls)}, stream{tcp_layer(layers)} {
    buffer.reserve(read_buffer_reserve);
  }

  /// What HTTP is written to and read from.
  stream_layers layers;
  /// The TCP layer: connects, closes, and carries the deadline.
  beast::tcp_stream& stream;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  std::optional<job> current;
  /// True once the connection carried a complete exchange: only then can
  /// the scanner have closed it while it sat idle in the pool.
  bool reused = false;
};

/// Everything the strand guards.
struct http_scanner_transport::pool {
  explicit pool(const asio::strand<asio::io_context::executor_type>& ex)
      : resolver{ex} {
    // nop
  }

  tcp::resolver resolver;
  /// The scanner's addresses; dropped when connecting to them fails so that
  /// the next connection resolves the name afresh.
  std::optional<tcp::resolver::results_type> endpoints;
  /// Submissions waiting for a connection, oldest first.
  std::deque<job> queue;
  /// Connections waiting for a submission, most recently used last: the
  /// most recently used one is the least likely to have been closed.
  // TODO: idle connections are not watched, so one the scanner closed stays
  // in CLOSE_WAIT until it is next taken, fails and the submission is retried
  // on a fresh connection. A pending read on each idle connection would
  // notice the close at once.
  std::vector<std::shared_ptr<connection>> idle;
  /// Connections carrying a submission (or resolving, or connecting).
  std::vector<std::shared_ptr<connection>> busy;
  std::shared_ptr<spdlog::logger> log;
};

// -- construction -------------------------------------------------------------

std::shared_ptr<http_scanner_transport>
http_scanner_transport::make(asio::io_context& ioc,
                             scanner_client_options opts) {
  // A pool of zero would queue every submission forever.
  opts.max_connections = std::max<std::size_t>(opts.max_connections, 1);
  return std::shared_ptr<http_scanner_transport>(
      new http_scanner_transport(ioc, std::move(opts)));
}

http_scanner_transport::http_scanner_transport(asio::io_context& ioc,
                                               scanner_client_options opts)
    : strand_{asio::make_strand(ioc)}, opts_{std::move(opts)},
      authority_{make_authority(opts_.endpoint)},
      target_{make_target(opts_.endpoint.base_path)},
      pool_{std::make_unique<pool>(strand_)} {
  pool_->log = component_logger("scanner");
}

http_scanner_transport::~http_scanner_transport() = default;

// -- public API ---------------------------------------------------------------

void http_scanner_transport::submit(const scan_submission& submission,
                                    completion done) {
  if (stopping_) {
    asio::post(strand_, [done = std::move(done)] {
      if (done)
        done(shutdown_outcome());
    });
    return;
  }
  static const std::string user_agent = std::string{"deltascand/"} + version;
  job next;
  next.client_request_id = submission.client_request_id;
  next.done = std::move(done);
  auto& req = next.request;
  req.method(http::verb::post);
  req.target(target_);
  req.version(11);
  req.set(http::field::host, authority_);
  req.set(http::field::user_agent, user_agent);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json");
  {
    std::lock_guard guard{token_mutex_};
    if (token_)
      req.set(http::field::authorization, "Bearer " + *token_);
  }
  req.body() = to_json(submission);
  req.prepare_payload();
  asio::post(strand_,
             [self = shared_from_this(), next = std::move(next)]() mutable {
               self->enqueue(std::move(next));
             });
}

void http_scanner_transport::set_bearer_token(
    std::optional<std::string> token) {
  // An empty token file means no token, not an empty credential.
  if (token && token->empty())
    token.reset();
  std::lock_guard guard{token_mutex_};
  token_ = std::move(token);
}

void http_scanner_transport::shutdown() {
  if (stopping_.exchange(true))
    return;
  asio::post(strand_, [self = shared_from_this()] { self->stop_everything(); });
}

std::size_t http_scanner_transport::idle_connections() const {
  return idle_count_.load();
}

// -- pool management ----------------------------------------------------------

void http_scanner_transport::enqueue(job&& next) {
  if (stopping_)
    return complete(std::move(next), shutdown_outcome());
  auto& p = *pool_;
  if (!p.idle.empty()) {
    auto conn = std::move(p.idle.back());
    p.idle.pop_back();
    idle_count_ = p.idle.size();
    p.busy.push_back(conn);
    next.start_clock(opts_.timeout);
    conn->current = std::move(next);
    return start_exchange(std::move(conn));
  }
  if (p.busy.size() < opts_.max_connections)
    return open_connection(std::move(next));
  p.queue.push_back(std::move(next));
}

void http_scanner_transport::open_connection(job&& next) {
  auto& p = *pool_;
  auto conn = std::make_shared<connection>(strand_, opts_.tls.get());
  next.start_clock(opts_.timeout);
  conn->current = std::move(next);
  p.busy.push_back(conn);
  if (p.endpoints)
    return connect(std::move(conn));
  // TODO: the timeout does not bound name resolution: getaddrinfo cannot be
  // interrupted. The result is cached, so only the first connection and the
  // first after a failed connect pay for it.
  p.resolver.async_resolve(
      opts_.endpoint.host, std::to_string(opts_.endpoint.port),
      tcp::resolver::numeric_service,
      [self = shared_from_this(), conn](const error_code& ec,
                                        tcp::resolver::results_type results) {
        if (ec)
          return self->fail_exchange(conn,
                                     "resolve " + self->opts_.endpoint.host +
                                         " failed: " + ec.message(),
                                     failure_kind::connection, false);
        self->pool_->endpoints = std::move(results);
        self->connect(conn);
      });
}

void http_scanner_transport::connect(std::shared_ptr<connection> conn) {
  if (stopping_)
    return fail_exchange(conn, shutting_down, failure_kind::shutdown, false);
  conn->stream.expires_at(conn->current->deadline);
  conn->stream.async_connect(*pool_->endpoints, [self = shared_from_this(),
                                                 conn](const error_code& ec,
                                                       const tcp::endpoint&) {
    if (!ec)
      return self->opts_.tls ? self->handshake(conn)
                             : self->start_exchange(conn);
    if (!self->stopping_)
      self->pool_->endpoints.reset();
    auto what = ec == beast::error::timeout
                    ? "timed out after " +
                          std::to_string(self->opts_.timeout.count()) + " ms"
                    : "failed: " + ec.message();
    self->fail_exchange(conn, "connect to " + self->authority_ + " " + what,
                        kind_of(ec), false);
  });
}

void http_scanner_transport::handshake(std::shared_ptr<connection> conn) {
  if (stopping_)
    return fail_exchange(conn, shutting_down, failure_kind::shutdown, false);
  auto& tls = std::get<tls_stream>(conn->layers);
  if (!expect_peer_name(tls, opts_.endpoint.host)) {
    ERR_clear_error();
    return fail_exchange(conn,
                         "TLS with scanner " + authority_ +
                             " cannot check the certificate's name " +
                             opts_.endpoint.host,
                         failure_kind::connection, false);
  }
  // The deadline set for the connect bounds the handshake too.
  tls.async_handshake(
      asio::ssl::stream_base::client,
      [self = shared_from_this(), conn](const error_code& ec) {
        if (!ec)
          return self->start_exchange(conn);
        auto& tls = std::get<tls_stream>(conn->layers);
        auto what = ec == beast::error::timeout
                        ? "timed out after " +
                              std::to_string(self->opts_.timeout.count()) +
                              " ms"
                        : "failed: " + handshake_failure(ec, tls);
        self->fail_exchange(
            conn, "TLS handshake with scanner " + self->authority_ + " " + what,
            kind_of(ec), false);
      });
}

void http_scanner_transport::release(const std::shared_ptr<connection>& conn,
                                     bool keep) {
  auto& p = *pool_;
  if (auto i = std::find(p.busy.begin(), p.busy.end(), conn); i != p.busy.end())
    p.busy.erase(i);
  if (!keep || stopping_) {
    conn->stream.close();
    return;
  }
  conn->reused = true;
  conn->stream.expires_never();
  if (!p.queue.empty()) {
    auto next = std::move(p.queue.front());
    p.queue.pop_front();
    next.start_clock(opts_.timeout);
    conn->current = std::move(next);
    p.busy.push_back(conn);
    return start_exchange(conn);
  }
  p.idle.push_back(conn);
  idle_count_ = p.idle.size();
}

void http_scanner_transport::dispatch_queued() {
  auto& p = *pool_;
  while (!stopping_ && !p.queue.empty() &&
         p.busy.size() < opts_.max_connections) {
    auto next = std::move(p.queue.front());
    p.queue.pop_front();
    open_connection(std::move(next));
  }
}

void http_scanner_transport::stop_everything() {
  auto& p = *pool_;
  p.resolver.cancel();
  for (auto& conn : p.idle)
    conn->stream.close();
  p.idle.clear();
  idle_count_ = 0;
  // Closing cancels the pending operation; its handler then fails the
  // submission. Handlers never run inside close, so iterating is safe.
  for (auto& conn : p.busy)
    conn->stream.close();
  auto queued = std::move(p.queue);
  p.queue.clear();
  pool_->log->info("scanner stops its client with {} submissions in flight "
                   "and {} queued",
                   p.busy.size(), queued.size());
  for (auto& next : queued)
    complete(std::move(next), shutdown_outcome());
}

// -- one exchange -------------------------------------------------------------

void http_scanner_transport::start_exchange(std::shared_ptr<connection> conn) {
  if (stopping_)
    return fail_exchange(conn, shutting_down, failure_kind::shutdown, false);
  conn->stream.expires_at(conn->current->deadline);
  conn->parser.emplace();
  conn->parser->body_limit(reply_body_limit);
  std::visit(
      [&](auto& stream) {
        http::async_write(stream, conn->current->request,
                          [self = shared_from_this(),
                           conn](const error_code& ec, std::size_t) {
                            self->on_write(conn, ec);
                          });
      },
      conn->layers);
}

void http_scanner_transport::on_write(std::shared_ptr<connection> conn,
                                      const error_code& ec) {
  if (ec == beast::error::timeout)
    return fail_exchange(conn,
                         "no reply within " +
                             std::to_string(opts_.timeout.count()) + " ms",
                         failure_kind::timeout, false);
  if (ec)
    return fail_exchange(
        conn, "sending to " + authority_ + " failed: " + ec.message(),
        failure_kind::connection, is_stale_connection_error(ec));
  if (stopping_)
    return fail_exchange(conn, shutting_down, failure_kind::shutdown, false);
  std::visit(
      [&](auto& stream) {
        http::async_read(stream, conn->buffer, *conn->parser,
                         [self = shared_from_this(), conn](const error_code& ec,
                                                           std::size_t) {
                           self->on_read(conn, ec);
                         });
      },
      conn->layers);
}

void http_scanner_transport::on_read(std::shared_ptr<connection> conn,
                                     const error_code& ec) {
  if (ec) {
    auto nothing_received =
        !conn->parser->got_some() && conn->buffer.size() == 0;
    if (ec == beast::error::timeout)
      return fail_exchange(conn,
                           "no reply within " +
                               std::to_string(opts_.timeout.count()) + " ms",
                           failure_kind::timeout, false);
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == http::error::partial_message)
      return fail_exchange(conn, "connection closed by scanner",
                           failure_kind::connection, nothing_received);
    if (ec == asio::error::connection_reset)
      return fail_exchange(conn, "connection reset by scanner",
                           failure_kind::connection, nothing_received);
    // Bytes that are not HTTP are a broken exchange, not a reply the
    // scanner meant: they count as a connection failure.
    if (ec.category() == error_code{http::error::bad_version}.category())
      return fail_exchange(conn,
                           "scanner reply is not valid HTTP: " + ec.message(),
                           failure_kind::connection, false);
    return fail_exchange(
        conn, "reading reply from " + authority_ + " failed: " + ec.message(),
        failure_kind::connection,
        nothing_received && is_stale_connection_error(ec));
  }
  auto& reply = conn->parser->get();
  // Bytes after a complete reply mean the scanner and we disagree about
  // framing: such a connection is not safe to reuse.
  auto keep = reply.keep_alive() && conn->buffer.size() == 0;
  auto status = reply.result_int();
  auto phrase = std::string{reply.reason()};
  auto retry_after = std::string{reply[http::field::retry_after]};
  auto body = std::move(reply.body());
  auto finished = std::move(*conn->current);
  conn->current.reset();
  conn->parser.reset();
  release(conn, keep);
  if (!keep)
    dispatch_queued();
  complete(std::move(finished),
           interpret_scanner_reply(status, phrase, std::move(body), retry_after,
                                   std::chrono::system_clock::now()));
}

void http_scanner_transport::fail_exchange(
    const std::shared_ptr<connection>& conn, std::string reason,
    failure_kind kind, bool may_retry) {
  auto failed = std::move(*conn->current);
  conn->current.reset();
  release(conn, false);
  if (stopping_) {
    dispatch_queued();
    return complete(std::move(failed), shutdown_outcome());
  }
  if (may_retry && conn->reused && !failed.retried) {
    // The freed slot goes to the retry, ahead of the queue: the submission
    // was already waiting longer than anything queued behind it.
    pool_->log->debug("scanner retries {} on a fresh connection: {}",
                      failed.client_request_id, reason);
    failed.retried = true;
    return open_connection(std::move(failed));
  }
  dispatch_queued();
  complete(std::move(failed), scan_outcome::failure(std::move(reason), kind));
}

void http_scanner_transport::complete(job&& finished, scan_outcome outcome) {
  auto& log = *pool_->log;
  if (outcome.accepted)
    log.debug("scanner submitted {} as scan {} ({})",
              finished.client_request_id, outcome.scan_id,
              outcome.created ? "created" : "existing");
  // An unreachable or silent scanner is worth a warning at once; what the
  // scanner answered is logged by whoever decides about retrying it.
  else if (outcome.kind == failure_kind::connection ||
           outcome.kind == failure_kind::timeout)
    log.warn("scanner failed to submit {} ({}): {}", finished.client_request_id,
             to_string(outcome.kind), outcome.reason);
  else
    log.debug("scanner failed to submit {} ({}, status {}): {}",
              finished.client_request_id, to_string(outcome.kind),
              outcome.status, outcome.reason);
  auto done = std::move(finished.done);
  if (done)
    done(std::move(outcome));
}

} // namespace deltascan::net
