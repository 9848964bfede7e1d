// Routes the requests of observers, Prometheus and Kubernetes probes, and
// guards the batch route: observers' tokens, the bound on batches in
// progress, and the core's own refusals, each answered with its status.
#include "net/daemon_handler.hpp"

#include "actors/logging.hpp"
#include "model/json_writer.hpp"
#include "net/bearer_auth.hpp"
#include "net/problem.hpp"

#include <boost/beast/http/rfc7230.hpp>

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

namespace deltascan::net {

namespace {

enum class route { events, metrics, healthz, readyz, unknown };

constexpr problem_kind invalid_batch{"invalid-batch", "Invalid batch"};
constexpr problem_kind batch_too_large{"batch-too-large", "Batch too large"};
constexpr problem_kind unsupported_media{"unsupported-media-type",
                                         "Unsupported media type"};
constexpr problem_kind not_ready{"not-ready", "Not accepting batches"};
constexpr problem_kind unauthorized{"unauthorized", "Unauthorized"};
constexpr problem_kind too_many_batches_kind{"too-many-batches",
                                             "Too many batches in progress"};
constexpr problem_kind too_many_pending{"too-many-pending-events",
                                        "Too many pending drift events"};

/// The least time between two warnings about refused batches.
constexpr std::chrono::steady_clock::duration overload_warning_interval =
    std::chrono::seconds{10};

/// What a 429 says beyond its body: when to come back.
struct overload_reply {
  std::chrono::seconds retry_after;
  std::size_t max_pending_events;
};

route route_of(std::string_view target) {
  // Observers and probes may add a query string; routing ignores it.
  auto path = target.substr(0, target.find('?'));
  if (path == events_path)
    return route::events;
  if (path == "/metrics")
    return route::metrics;
  if (path == "/healthz")
    return route::healthz;
  if (path == "/readyz")
    return route::readyz;
  return route::unknown;
}

// What `message::keep_alive` says, for a head whose body is not read yet.
bool keeps_alive(const http::request_header<>& head) {
  http::token_list connection{head[http::field::connection]};
  if (head.version() >= 11)
    return !connection.exists("close");
  return connection.exists("keep-alive");
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// `application/json`, in any case and with parameters such as a charset.
bool is_json(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t'))
    media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t'))
    media.remove_prefix(1);
  return iequals(media, "application/json");
}

http_response json_response(http::status status, std::string body,
                            unsigned version, bool keep_alive) {
  http_response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

http_response method_not_allowed(const http::request_header<>& head,
                                 std::string_view allowed) {
  auto res = make_problem(http::status::method_not_allowed,
                          "use " + std::string{allowed} + " on " +
                              std::string{head.target()},
                          head.version(), keeps_alive(head));
  res.set(http::field::allow, allowed);
  return res;
}

http_response not_ready_response(const http::request_header<>& head,
                                 daemon_phase phase) {
  auto detail = phase == daemon_phase::draining
                    ? "deltascand is shutting down and takes no new batches"
                    : "deltascand is starting and takes no batches yet";
  auto res = make_problem(http::status::service_unavailable, not_ready, detail,
                          head.version(), keeps_alive(head));
  res.set(http::field::retry_after, "1");
  return res;
}

std::string result_body(const batch_result& result) {
  std::string out;
  out.reserve(200);
  json_object_writer writer{out};
  if (result.batch_id)
    writer.string("batchId", *result.batch_id);
  else
    writer.null("batchId");
  writer.number("eventsReceived", result.events_received)
      .number("driftEventsDetected", result.drift_events_detected)
      .number("scansTriggered", result.counts.triggered)
      .number("scansSkipped", result.counts.skipped)
      .number("scansDeduped", result.counts.deduped)
      .finish();
  return out;
}

std::string retry_after_text(std::chrono::seconds retry_after) {
  return std::to_string(
      std::max<std::chrono::seconds::rep>(retry_after.count(), 0));
}

http_response pending_events_refusal(std::string detail,
                                     const overload_reply& overload,
                                     unsigned version, bool keep_alive) {
  if (detail.empty())
    detail = "deltascand holds too many pending drift events to take this "
             "batch";
  // The core's detail may name the bound already.
  if (overload.max_pending_events > 0 &&
      detail.find("server.max_pending_events") == std::string::npos)
    detail += " (limit " + std::to_string(overload.max_pending_events) +
              " pending drift events, server.max_pending_events)";
  detail +=
      "; retry after " + retry_after_text(overload.retry_after) + " seconds";
  auto res = make_problem(http::status::too_many_requests, too_many_pending,
                          detail, version, keep_alive);
  res.set(http::field::retry_after, retry_after_text(overload.retry_after));
  return res;
}

http_response reply_for(const batch_reply& reply,
                        const overload_reply& overload, unsigned version,
                        bool keep_alive) {
  if (reply.result)
    return json_response(http::status::ok, result_body(*reply.result), version,
                         keep_alive);
  switch (reply.error) {
  case ec::overloaded:
    return pending_events_refusal(reply.detail, overload, version, keep_alive);
  case ec::malformed_batch:
  case ec::invalid_batch:
    return make_problem(http::status::bad_request, invalid_batch, reply.detail,
                        version, keep_alive);
  case ec::batch_too_large:
    return make_problem(http::status::payload_too_large, batch_too_large,
                        reply.detail, version, keep_alive);
  default:
    return make_problem(http::status::internal_server_error,
                        "the batch could not be processed: " + reply.detail,
                        version, keep_alive);
  }
}

} // namespace

/// Counts one batch as in progress from its head until its reply is handed
/// to the connection, or until the request is dropped without one.
class daemon_handler::batch_slot {
public:
  explicit batch_slot(std::shared_ptr<std::atomic<std::size_t>> count)
      : count_{std::move(count)} {
    // nop
  }

  ~batch_slot() { count_->fetch_sub(1, std::memory_order_acq_rel); }

  batch_slot(const batch_slot&) = delete;
  batch_slot& operator=(const batch_slot&) = delete;

private:
  std::shared_ptr<std::atomic<std::size_t>> count_;
};

daemon_handler::daemon_handler(batch_gateway& gateway,
                               std::shared_ptr<prometheus::Registry> registry,
                               std::shared_ptr<const daemon_status> status)
    : daemon_handler{gateway, std::move(registry), std::move(status), {}} {
  // nop
}

daemon_handler::daemon_handler(batch_gateway& gateway,
                               std::shared_ptr<prometheus::Registry> registry,
                               std::shared_ptr<const daemon_status> status,
                               daemon_handler_settings settings)
    : gateway_{gateway}, registry_{std::move(registry)}, status_{std::move(
                                                             status)},
      settings_{std::move(settings)}, log_{component_logger("http")},
      batches_{std::make_shared<std::atomic<std::size_t>>(0)} {
  if (registry_)
    refused_in_progress_ =
        &prometheus::BuildCounter()
             .Name("deltascan_batches_refused_in_progress_total")
             .Help("Batches refused because server.max_batches_in_progress "
                   "batches were in progress")
             .Register(*registry_)
             .Add({});
}

std::size_t daemon_handler::batches_in_progress() const {
  return batches_->load(std::memory_order_acquire);
}

std::optional<http_response>
daemon_handler::check_token(const http::request_header<>& head) const {
  if (!settings_.auth)
    return std::nullopt;
  auto verdict = settings_.auth->check(head[http::field::authorization]);
  if (verdict == auth_verdict::accepted)
    return std::nullopt;
  // RFC 6750: no error code when the request carried no credentials, and
  // `invalid_token` when it carried a bearer token that is not accepted.
  bool missing = verdict == auth_verdict::missing;
  auto path = head.target().substr(0, head.target().find('?'));
  log_->debug("http refused {} {} with 401: {}", head.method_string(), path,
              missing ? "no bearer token" : "bearer token not accepted");
  auto res = make_problem(
      http::status::unauthorized, unauthorized,
      missing ? "a bearer token is required for " + std::string{path} +
                    "; send it as Authorization: Bearer <token>"
              : "the bearer token is not accepted for " + std::string{path},
      head.version(), keeps_alive(head));
  res.set(http::field::www_authenticate,
          missing ? R"(Bearer realm="deltascand")"
                  : R"(Bearer realm="deltascand", error="invalid_token")");
  res.set(http::field::cache_control, "no-store");
  return res;
}

std::shared_ptr<daemon_handler::batch_slot> daemon_handler::take_batch_slot() {
  auto bound = settings_.max_batches_in_progress;
  auto before = batches_->fetch_add(1, std::memory_order_acq_rel);
  if (bound != 0 && before >= bound) {
    batches_->fetch_sub(1, std::memory_order_acq_rel);
    return nullptr;
  }
  return std::make_shared<batch_slot>(batches_);
}

void daemon_handler::warn_overload(std::string_view limit) {
  auto refused = refused_batches_.fetch_add(1, std::memory_order_relaxed) + 1;
  // Under sustained overload every other batch may be refused: one warning
  // per interval, with the running count, instead of one per batch.
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto last = last_overload_warning_.load(std::memory_order_relaxed);
  if ((last == 0 || now - last >= overload_warning_interval.count()) &&
      last_overload_warning_.compare_exchange_strong(last, now,
                                                     std::memory_order_relaxed))
    log_->warn("http refuses batches with 429: at the limit of {} ({} "
               "refused before reading their bodies since start)",
               limit, refused);
}

http_response daemon_handler::too_many_batches(unsigned version,
                                               bool keep_alive) {
  auto bound = settings_.max_batches_in_progress;
  if (refused_in_progress_ != nullptr)
    refused_in_progress_->Increment();
  warn_overload(std::to_string(bound) + " batches in progress");
  auto retry_after = retry_after_text(settings_.overload_retry_after);
  auto res = make_problem(
      http::status::too_many_requests, too_many_batches_kind,
      "deltascand is processing its limit of " + std::to_string(bound) +
          " batches at once "
          "(server.max_batches_in_progress); retry after " +
          retry_after + " seconds",
      version, keep_alive);
  res.set(http::field::retry_after, retry_after);
  return res;
}

std::optional<http_response>
daemon_handler::check_header(const http::request_header<>& head,
                             request_hold& hold) {
  auto method = head.method();
  switch (route_of(head.target())) {
  case route::events: {
    if (method != http::verb::post)
      return method_not_allowed(head, "POST");
    // Before anything else, so that a client without a token learns nothing
    // about the daemon's state.
    if (auto refusal = check_token(head))
      return refusal;
    if (auto phase = status_->phase(); phase != daemon_phase::ready)
      return not_ready_response(head, phase);
    auto content_type = head[http::field::content_type];
    if (!is_json(content_type))
      return make_problem(
          http::status::unsupported_media_type, unsupported_media,
          content_type.empty()
              ? std::string{"batches must be sent as application/json; "
                            "the request has no Content-Type"}
              : "batches must be sent as application/json, not " +
                    std::string{content_type},
          head.version(), keeps_alive(head));
    // The batch counts from its head on: a body being read costs memory as
    // much as one in the actors, and at the bound no body is read at all.
    auto slot = take_batch_slot();
    if (!slot)
      return too_many_batches(head.version(), keeps_alive(head));
    if (!gateway_.admit()) {
      warn_overload(std::to_string(settings_.max_pending_events) +
                    " pending drift events");
      return pending_events_refusal(
          {}, {settings_.overload_retry_after, settings_.max_pending_events},
          head.version(), keeps_alive(head));
    }
    hold = std::move(slot);
    return std::nullopt;
  }
  case route::metrics:
    if (method != http::verb::get)
      return method_not_allowed(head, "GET");
    if (settings_.protect_metrics)
      return check_token(head);
    return std::nullopt;
  case route::healthz:
  case route::readyz:
    if (method != http::verb::get)
      return method_not_allowed(head, "GET");
    if (settings_.protect_health)
      return check_token(head);
    return std::nullopt;
  case route::unknown:
    break;
  }
  return make_problem(http::status::not_found,
                      "no resource at " + std::string{head.target()} +
                          "; batches go to " + std::string{events_path},
                      head.version(), keeps_alive(head));
}

void daemon_handler::handle(http_request&& req, responder reply) {
  auto version = req.version();
  auto keep_alive = req.keep_alive();
  switch (route_of(req.target())) {
  case route::events: {
    // The batch's slot, taken by check_header, stays with the request until
    // its reply is handed over.
    overload_reply overload{settings_.overload_retry_after,
                            settings_.max_pending_events};
    gateway_.post(std::move(req.body()), [reply, version, keep_alive,
                                          overload](batch_reply result) {
      reply.send(reply_for(result, overload, version, keep_alive));
    });
    return;
  }
  case route::metrics:
    reply.send(metrics_response(req));
    return;
  case route::healthz:
    reply.send(json_response(http::status::ok, R"({"status":"alive"})", version,
                             keep_alive));
    return;
  case route::readyz: {
    auto phase = status_->phase();
    if (phase == daemon_phase::ready)
      reply.send(json_response(http::status::ok, R"({"status":"ready"})",
                               version, keep_alive));
    else
      reply.send(not_ready_response(req.base(), phase));
    return;
  }
  case route::unknown:
    break;
  }
  // check_header refused every other route before its body was read.
  reply.send(make_problem(http::status::not_found, "no such resource", version,
                          keep_alive));
}

http_response daemon_handler::metrics_response(const http_request& req) const {
  http_response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  res.set(http::field::cache_control, "no-store");
  res.body() = prometheus::TextSerializer{}.Serialize(registry_->Collect());
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

} // namespace deltascan::net
