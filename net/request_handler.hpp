// The seam between deltascand's HTTP server and what it serves (the runtime
// event route, metrics, health, the stub scanner): a handler sees each
// request head first, then the whole request, and replies through a
// responder, possibly later and from another thread (e.g. once the actors
// have classified a batch of drift events).
#pragma once

#include "net/http_message.hpp"

#include <memory>
#include <optional>

namespace deltascan::net {

/// Sends the one reply to one request. Copies share the request: the first
/// `send` from any copy counts, later ones are ignored and logged. When the
/// last copy goes away without a `send`, the connection is closed, so a
/// handler that loses a request never leaks the connection.
///
/// A responder keeps its connection alive, and a connection belongs to the
/// server's io_context: drop every responder before that io_context is
/// destroyed (stopping it is fine).
class responder {
public:
  /// Where the reply goes. The server implements it for each request; tests
  /// implement it to call a handler without sockets.
  class sink {
  public:
    virtual ~sink() = default;

    /// Takes the reply. Called at most once, from any thread.
    virtual void deliver(http_response res) = 0;

    /// Called once, from any thread, when no reply will ever come.
    virtual void abandon() = 0;
  };

  explicit responder(std::shared_ptr<sink> target);

  /// Replies to the request. Thread-safe, never blocks.
  void send(http_response res) const;

  /// Whether a copy of this responder has sent the reply already.
  bool sent() const;

private:
  struct state;
  std::shared_ptr<state> state_;
};

/// What a handler may attach to a request it lets through at its head, e.g.
/// the request's place under a bound on requests in progress. The server
/// keeps it while the body is read and the handler works, and drops it when
/// the reply is handed over or the connection closes, whichever comes first.
using request_hold = std::shared_ptr<void>;

/// Serves requests for an `http_server`. The server calls both member
/// functions on the connection's strand; one handler serves all connections,
/// so an implementation with shared state must synchronise it.
///
/// The server keeps a connection open only when the request, the response
/// and the server's own state (draining, unread body) all allow it, so a
/// handler may leave keep-alive on in its responses. The server also sets
/// Content-Length when the response has neither it nor chunked encoding.
class request_handler {
public:
  virtual ~request_handler() = default;

  /// Looks at a request before its body is read. A returned response rejects
  /// the request without reading the body (e.g. 404, 405, 415); the server
  /// closes the connection after it when body bytes remain unread. A request
  /// let through may be given a `hold` (see `request_hold`); the default
  /// lets every request through and holds nothing.
  virtual std::optional<http_response>
  check_header(const http::request_header<>& head, request_hold& hold);

  /// Serves a whole request; must make `reply` send exactly one response,
  /// now or later, from any thread.
  virtual void handle(http_request&& req, responder reply) = 0;
};

} // namespace deltascan::net
