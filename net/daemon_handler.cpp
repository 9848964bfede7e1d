#include "net/daemon_handler.hpp"

#include "model/json_writer.hpp"
#include "net/problem.hpp"

#include <boost/beast/http/rfc7230.hpp>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cctype>

namespace deltascan::net {

namespace {

enum class route { events, metrics, healthz, readyz, unknown };

constexpr problem_kind invalid_batch{"invalid-batch", "Invalid batch"};
constexpr problem_kind batch_too_large{"batch-too-large", "Batch too large"};
constexpr problem_kind unsupported_media{"unsupported-media-type",
                                         "Unsupported media type"};
constexpr problem_kind not_ready{"not-ready", "Not accepting batches"};

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

http_response reply_for(const batch_reply& reply, unsigned version,
                        bool keep_alive) {
  if (reply.result)
    return json_response(http::status::ok, result_body(*reply.result), version,
                         keep_alive);
  switch (reply.error) {
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

daemon_handler::daemon_handler(batch_gateway& gateway,
                               std::shared_ptr<prometheus::Registry> registry,
                               std::shared_ptr<const daemon_status> status)
    : gateway_{gateway}, registry_{std::move(registry)}, status_{std::move(
                                                             status)} {
  // nop
}

std::optional<http_response>
daemon_handler::check_header(const http::request_header<>& head) {
  auto method = head.method();
  switch (route_of(head.target())) {
  case route::events: {
    if (method != http::verb::post)
      return method_not_allowed(head, "POST");
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
    return std::nullopt;
  }
  case route::metrics:
  case route::healthz:
  case route::readyz:
    if (method != http::verb::get)
      return method_not_allowed(head, "GET");
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
  case route::events:
    gateway_.post(std::move(req.body()),
                  [reply, version, keep_alive](batch_reply result) {
                    reply.send(reply_for(result, version, keep_alive));
                  });
    return;
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
