// Posts prepared batches over one keep-alive connection and records how
// each one was answered. A lost connection is re-opened after a short pause
// so that a restarting server costs errors, not the whole run.
#include "benchmarks/loadgen_connection.hpp"

#include "benchmarks/loadgen_schedule.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/span.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/write.hpp>

namespace deltascan::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

/// Room for many small replies, or a big part of a body, per recv() call:
/// an unreserved flat_buffer grows from 512 bytes and reads in small steps.
constexpr std::size_t read_buffer_bytes = 64 * 1024;

/// Pause before re-opening a failed connection, so a server that is down
/// is not hammered with connects.
constexpr std::chrono::milliseconds reconnect_pause{100};

} // namespace

load_connection::load_connection(asio::io_context& ioc, const load_plan& plan,
                                 load_progress& progress,
                                 open_loop_schedule* schedule)
    : plan_{plan}, progress_{progress}, schedule_{schedule},
      stream_{asio::make_strand(ioc)}, retry_{stream_.get_executor()} {
  buffer_.reserve(read_buffer_bytes);
  req_.method(http::verb::post);
  req_.target(plan_.path);
  req_.version(11);
  req_.set(http::field::host, plan_.host);
  req_.set(http::field::user_agent, "deltascan-loadgen");
  req_.set(http::field::content_type, plan_.content_type);
  req_.keep_alive(true);
}

void load_connection::start() {
  asio::post(stream_.get_executor(),
             [self = shared_from_this()] { self->connect(); });
}

void load_connection::send_at(load_clock::time_point scheduled) {
  asio::post(stream_.get_executor(),
             [self = shared_from_this(), scheduled] { self->send(scheduled); });
}

void load_connection::close() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    self->stream_.close();
    self->retry_.cancel();
  });
}

void load_connection::connect() {
  if (progress_.stopping)
    return;
  started_at_ = load_clock::now();
  stream_.expires_after(plan_.timeout);
  stream_.async_connect(plan_.endpoints,
                        [self = shared_from_this()](
                            const boost::system::error_code& ec,
                            const tcp::endpoint&) { self->on_connect(ec); });
}

void load_connection::on_connect(const boost::system::error_code& ec) {
  if (progress_.stopping)
    return;
  if (ec) {
    // Not a request, but a refused or timed-out connect is load the server
    // failed to take: it counts as a transport error.
    if (in_window(load_clock::now()))
      ++stats_.transport_errors;
    reconnect(reconnect_pause);
    return;
  }
  boost::system::error_code ignored;
  stream_.socket().set_option(tcp::no_delay{true}, ignored);
  buffer_.consume(buffer_.size());
  ready();
}

void load_connection::ready() {
  if (progress_.stopping)
    return;
  if (schedule_ != nullptr) {
    if (auto due = schedule_->take_or_park(shared_from_this()))
      send(*due);
    return;
  }
  if (plan_.request_limit != 0 &&
      progress_.started.fetch_add(1) >= plan_.request_limit)
    return;
  send(load_clock::now());
}

void load_connection::send(load_clock::time_point scheduled) {
  if (progress_.stopping)
    return;
  const auto& bodies = plan_.bodies;
  body_ = &bodies[progress_.next_body.fetch_add(1) % bodies.size()];
  const std::string* json = &body_->json;
  if (plan_.unique && !body_->digests.empty()) {
    scratch_ = body_->json;
    auto first = progress_.next_unique.fetch_add(body_->digests.size());
    write_unique_digests(scratch_, body_->digests, plan_.seed, first);
    json = &scratch_;
  }
  req_.body() = beast::span<const char>{json->data(), json->size()};
  req_.content_length(json->size());
  started_at_ = scheduled;
  in_flight_ = true;
  stream_.expires_after(plan_.timeout);
  http::async_write(stream_, req_,
                    [self = shared_from_this()](
                        const boost::system::error_code& ec,
                        std::size_t bytes) { self->on_write(ec, bytes); });
}

void load_connection::on_write(const boost::system::error_code& ec,
                               std::size_t) {
  if (ec) {
    fail(ec);
    return;
  }
  res_ = {};
  stream_.expires_after(plan_.timeout);
  http::async_read(stream_, buffer_, res_,
                   [self = shared_from_this()](
                       const boost::system::error_code& read_ec,
                       std::size_t bytes) { self->on_read(read_ec, bytes); });
}

void load_connection::on_read(const boost::system::error_code& ec,
                              std::size_t) {
  if (ec) {
    fail(ec);
    return;
  }
  auto now = load_clock::now();
  in_flight_ = false;
  ++stats_.answered_total;
  if (in_window(now)) {
    ++stats_.requests;
    stats_.latency.record(now - started_at_);
    stats_.bytes_sent += req_.body().size();
    auto status = res_.result_int();
    if (status >= 200 && status < 300) {
      ++stats_.requests_ok;
      stats_.events += body_->events;
      stats_.drift_events += body_->drift_events;
    } else {
      ++stats_.status_errors[status];
    }
    if (plan_.parse_replies)
      add_reply_counts(res_.body(), stats_.daemon);
  }
  finish_request();
  if (!res_.keep_alive()) {
    // The server asked to close (draining, or a rejected body it did not
    // read): open a fresh connection and carry on.
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    reconnect(std::chrono::milliseconds{0});
    return;
  }
  ready();
}

void load_connection::fail(const boost::system::error_code&) {
  // Aborted by close() at the end of the run: not the server's fault.
  if (progress_.stopping)
    return;
  if (in_flight_) {
    in_flight_ = false;
    if (in_window(load_clock::now()))
      ++stats_.transport_errors;
    finish_request();
  }
  stream_.close();
  reconnect(reconnect_pause);
}

void load_connection::reconnect(std::chrono::milliseconds delay) {
  if (progress_.stopping)
    return;
  retry_.expires_after(delay);
  retry_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec)
          self->connect();
      });
}

void load_connection::finish_request() {
  auto done = progress_.finished.fetch_add(1) + 1;
  if (plan_.request_limit != 0 && done == plan_.request_limit &&
      progress_.on_limit_reached)
    progress_.on_limit_reached();
}

bool load_connection::in_window(load_clock::time_point now) const {
  return started_at_ >= plan_.measure_start && now <= plan_.measure_end;
}

} // namespace deltascan::bench
