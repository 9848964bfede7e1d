// Carries scan submissions to the scanner's `POST /api/v1/scans` over a pool
// of keep-alive HTTP/1.1 connections (TLS ones for an https scanner), so a
// burst of drift does not open (and leave in TIME_WAIT) one TCP connection,
// or pay one TLS handshake, per submission.
#pragma once

#include "actors/scanner_transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace deltascan::net {

/// Where the scanner listens. `base_path` is empty or starts with `/` and has
/// no trailing slash; the submission goes to `{base_path}/api/v1/scans`.
struct scanner_endpoint {
  /// A name or an address; an IPv6 address without brackets.
  std::string host;
  std::uint16_t port = 0;
  std::string base_path;
};

struct scanner_client_options {
  scanner_endpoint endpoint;
  /// Bounds one submission from the moment it gets a connection: connect,
  /// TLS handshake, write and read together, including the single retry.
  std::chrono::milliseconds timeout{5000};
  /// Connections open at most at any time; the same number as
  /// `scanner.max_in_flight`, so in-flight submissions never wait for one.
  std::size_t max_connections = 64;
  /// Null for an `http` scanner. Otherwise every connection is TLS with this
  /// context (see `make_client_tls_context`): the scanner's certificate must
  /// verify and name `endpoint.host` (a DNS name, or an IP address in its
  /// subjectAltName), and the host name is sent as SNI.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

/// The production `scanner_transport`: HTTP/1.1 with keep-alive.
///
/// Submissions that find every connection busy wait in arrival order. A
/// submission that fails on a reused idle connection before any byte of the
/// reply arrived is retried once on a fresh connection, because the scanner
/// cannot have seen it (the idle connection was closed under us); nothing
/// else is retried here.
class http_scanner_transport final
    : public scanner_transport,
      public std::enable_shared_from_this<http_scanner_transport> {
public:
  /// Creates a transport whose I/O runs on `ioc`. The io_context must outlive
  /// the transport's operations; run it on one or more threads.
  static std::shared_ptr<http_scanner_transport>
  make(boost::asio::io_context& ioc, scanner_client_options opts);

  ~http_scanner_transport() override;

  http_scanner_transport(const http_scanner_transport&) = delete;
  http_scanner_transport& operator=(const http_scanner_transport&) = delete;

  /// Thread-safe and never blocks. `done` runs exactly once on an io thread
  /// of `ioc`, also when the transport is shut down. A failed outcome says
  /// its kind: `connection` (connect, TLS, write or read failed, reset,
  /// closed, not HTTP), `timeout`, `shutdown`, or what the scanner's answer
  /// was (see `interpret_scanner_reply`), with `status` and, on 429 and 503,
  /// the `Retry-After` wait.
  void submit(const scan_submission& submission, completion done) override;

  /// Sets or clears the scanner's API token for submissions made after this
  /// call, e.g. after a configuration reload. Thread-safe.
  void set_bearer_token(std::optional<std::string> token);

  /// Fails every queued and in-flight submission with "scanner client
  /// shutting down", closes all connections, and fails later submissions at
  /// once. Thread-safe; the completions still run on an io thread.
  void shutdown();

  /// Keep-alive connections currently waiting for a submission.
  std::size_t idle_connections() const;

private:
  struct connection;
  struct job;
  struct pool;

  http_scanner_transport(boost::asio::io_context& ioc,
                         scanner_client_options opts);

  // -- pool management, all on strand_ ---------------------------------------

  void enqueue(job&& next);
  void open_connection(job&& next);
  void connect(std::shared_ptr<connection> conn);
  void handshake(std::shared_ptr<connection> conn);
  void start_exchange(std::shared_ptr<connection> conn);
  void release(const std::shared_ptr<connection>& conn, bool keep);
  void dispatch_queued();
  void stop_everything();

  // -- one exchange, all on strand_ -------------------------------------------

  void on_write(std::shared_ptr<connection> conn,
                const boost::system::error_code& ec);
  void on_read(std::shared_ptr<connection> conn,
               const boost::system::error_code& ec);
  void fail_exchange(const std::shared_ptr<connection>& conn,
                     std::string reason, failure_kind kind, bool may_retry);
  void complete(job&& finished, scan_outcome outcome);

  /// Serialises the pool and every connection's handlers. One strand is
  /// enough: a reply costs microseconds of work against the scanner's
  /// milliseconds, and the pool needs no lock.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  const scanner_client_options opts_;
  /// `host:port` as the Host header and log lines write it.
  const std::string authority_;
  const std::string target_;
  std::unique_ptr<pool> pool_;
  mutable std::mutex token_mutex_;
  std::optional<std::string> token_;
  /// Set by `shutdown` at once, so a `submit` on another thread fails
  /// without waiting for the strand.
  std::atomic<bool> stopping_{false};
  /// Mirrors the idle list's size for readers outside the strand.
  std::atomic<std::size_t> idle_count_{0};
};

} // namespace deltascan::net
