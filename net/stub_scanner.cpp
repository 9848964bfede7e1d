// Answers scan submissions the way the scanner's API does, with the latency
// and failures a test asks for, and keeps what it received.
#include "net/stub_scanner.hpp"

#include "actors/logging.hpp"
#include "model/json_writer.hpp"
#include "model/text.hpp"
#include "net/problem.hpp"

#include <boost/asio/steady_timer.hpp>

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string_view>
#include <utility>
#include <variant>

namespace deltascan::net {

namespace {

constexpr std::string_view scans_path = "/api/v1/scans";

enum class route { submit_scan, stats, requests, reset, unknown };

struct route_entry {
  std::string_view path;
  route target;
  http::verb method;
  std::string_view allow;
};

constexpr route_entry routes[] = {
    {scans_path, route::submit_scan, http::verb::post, "POST"},
    {"/stub/stats", route::stats, http::verb::get, "GET"},
    {"/stub/requests", route::requests, http::verb::get, "GET"},
    {"/stub/reset", route::reset, http::verb::post, "POST"},
};

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

const route_entry* find_route(std::string_view target) {
  auto path = path_of(target);
  for (const auto& entry : routes)
    if (entry.path == path)
      return &entry;
  return nullptr;
}

bool is_json(std::string_view content_type) {
  auto media_type = trim(content_type.substr(0, content_type.find(';')));
  return to_lower_ascii(media_type) == "application/json";
}

/// The problem with a request's route, method or content type, if any.
/// Keep-alive stays on: the server still closes when the request asks.
std::optional<http_response> screen(const http::request_header<>& head) {
  const auto* entry = find_route(head.target());
  if (entry == nullptr) {
    return make_problem(http::status::not_found,
                        "no resource at " + std::string{path_of(head.target())},
                        head.version(), true);
  }
  if (head.method() != entry->method) {
    auto res = make_problem(http::status::method_not_allowed,
                            std::string{entry->path} + " accepts " +
                                std::string{entry->allow} + " only",
                            head.version(), true);
    res.set(http::field::allow, entry->allow);
    return res;
  }
  if (entry->target == route::submit_scan) {
    auto content_type = head[http::field::content_type];
    if (!is_json(content_type))
      return make_problem(http::status::unsupported_media_type,
                          "scan submissions need Content-Type "
                          "application/json, got '" +
                              std::string{content_type} + "'",
                          head.version(), true);
  }
  return std::nullopt;
}

http_response json_response(http::status status, std::string body,
                            const http_request& req) {
  http_response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(body);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

/// The fields of a scan submission the stub looks at.
struct submission_fields {
  std::string digest;
  std::string client_request_id;
};

/// Reads a submission body, or says what is wrong with it.
std::variant<submission_fields, std::string>
parse_submission(const std::string& body) {
  // One parser per thread: handlers run on several io threads at once.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(body).get(doc))
    return std::string{"body is not valid JSON: "} +
           simdjson::error_message(err);
  simdjson::dom::object object;
  if (doc.get(object))
    return std::string{"body must be a JSON object"};
  submission_fields fields;
  std::string_view text;
  if (object.at_pointer("/image/digest").get(text))
    return std::string{"field image.digest must be a string"};
  fields.digest.assign(text);
  if (object["clientRequestId"].get(text))
    return std::string{"field clientRequestId must be a string"};
  fields.client_request_id.assign(text);
  return fields;
}

} // namespace

stub_scanner::stub_scanner(boost::asio::any_io_executor timers,
                           stub_scanner_options options)
    : timers_{std::move(timers)}, log_{component_logger("stub-scanner")},
      options_{options}, draws_{options.seed} {
  set_failure_rate(options.failure_rate);
}

std::optional<http_response>
stub_scanner::check_header(const http::request_header<>& head) {
  return screen(head);
}

void stub_scanner::handle(http_request&& req, responder reply) {
  // Also screened here for callers that skip check_header (in-process use).
  if (auto problem = screen(req)) {
    reply.send(std::move(*problem));
    return;
  }
  switch (find_route(req.target())->target) {
  case route::submit_scan:
    submit_scan(std::move(req), std::move(reply));
    break;
  case route::stats:
    reply.send(stats_response(req));
    break;
  case route::requests:
    reply.send(requests_response(req));
    break;
  case route::reset:
    reset();
    reply.send(json_response(http::status::ok, "{}", req));
    break;
  case route::unknown:
    break;
  }
}

void stub_scanner::submit_scan(http_request&& req, responder reply) {
  std::optional<std::string> authorization;
  if (auto it = req.find(http::field::authorization); it != req.end())
    authorization.emplace(it->value());
  auto parsed = parse_submission(req.body());
  decision outcome;
  std::chrono::milliseconds latency;
  {
    std::lock_guard lock{mutex_};
    ++stats_.received;
    record(std::move(req.body()), std::move(authorization));
    latency = options_.latency;
    if (auto* fields = std::get_if<submission_fields>(&parsed)) {
      std::uniform_real_distribution<double> draw{0.0, 1.0};
      if (draw(draws_) < options_.failure_rate) {
        ++stats_.failed;
        outcome.fail = true;
      } else {
        ++stats_.accepted;
        auto [it, created] = scan_ids_.try_emplace(fields->digest);
        if (created)
          it->second = "stub-scan-" + std::to_string(++next_scan_);
        outcome.scan_id = it->second;
        outcome.created = created;
      }
    }
  }
  http_response res;
  if (auto* error = std::get_if<std::string>(&parsed)) {
    log_->debug("stub-scanner rejected a scan submission: {}", *error);
    res = make_problem(http::status::bad_request, *error, req.version(),
                       req.keep_alive());
  } else if (outcome.fail) {
    const auto& fields = std::get<submission_fields>(parsed);
    log_->debug("stub-scanner failed the submission for {} on purpose",
                fields.digest);
    res = make_problem(http::status::internal_server_error,
                       "injected failure for image " + fields.digest,
                       req.version(), req.keep_alive());
  } else {
    const auto& fields = std::get<submission_fields>(parsed);
    log_->debug("stub-scanner queued scan {} for {} (created: {})",
                outcome.scan_id, fields.digest, outcome.created);
    auto location = std::string{scans_path} + "/" + outcome.scan_id;
    std::string body;
    json_object_writer{body}
        .string("scanId", outcome.scan_id)
        .string("status", "queued")
        .string("location", location)
        .boolean("created", outcome.created)
        .finish();
    res = json_response(http::status::accepted, std::move(body), req);
    res.set(http::field::location, location);
  }
  if (latency <= std::chrono::milliseconds::zero()) {
    reply.send(std::move(res));
    return;
  }
  // Waits on a timer, never on a thread: the stub must keep up with
  // deltascand's concurrency while it pretends to be slow.
  auto timer = std::make_shared<boost::asio::steady_timer>(timers_, latency);
  timer->async_wait([timer, reply = std::move(reply), res = std::move(res)](
                        const boost::system::error_code&) mutable {
    reply.send(std::move(res));
  });
}

http_response stub_scanner::stats_response(const http_request& req) const {
  auto counts = stats();
  std::string body;
  json_object_writer{body}
      .number("received", counts.received)
      .number("accepted", counts.accepted)
      .number("failed", counts.failed)
      .finish();
  return json_response(http::status::ok, std::move(body), req);
}

http_response stub_scanner::requests_response(const http_request& req) const {
  std::string body;
  {
    std::lock_guard lock{mutex_};
    body.push_back('[');
    bool first = true;
    for (const auto& entry : recorded_) {
      if (!first)
        body.push_back(',');
      first = false;
      json_object_writer writer{body};
      writer.string("body", entry.body);
      if (entry.authorization)
        writer.string("authorization", *entry.authorization);
      else
        writer.null("authorization");
      writer.finish();
    }
    body.push_back(']');
  }
  return json_response(http::status::ok, std::move(body), req);
}

void stub_scanner::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock{mutex_};
  options_.latency = latency;
}

void stub_scanner::set_failure_rate(double rate) {
  std::lock_guard lock{mutex_};
  options_.failure_rate = std::isnan(rate) ? 0.0 : std::clamp(rate, 0.0, 1.0);
}

void stub_scanner::set_seed(std::uint64_t seed) {
  std::lock_guard lock{mutex_};
  options_.seed = seed;
  draws_.seed(seed);
}

stub_scanner_stats stub_scanner::stats() const {
  std::lock_guard lock{mutex_};
  return stats_;
}

std::vector<recorded_submission> stub_scanner::requests() const {
  std::lock_guard lock{mutex_};
  return {recorded_.begin(), recorded_.end()};
}

void stub_scanner::reset() {
  {
    std::lock_guard lock{mutex_};
    stats_ = {};
    recorded_.clear();
    scan_ids_.clear();
    next_scan_ = 0;
    draws_.seed(options_.seed);
  }
  log_->info("stub-scanner reset its records");
}

// Called with mutex_ held.
void stub_scanner::record(std::string body,
                          std::optional<std::string> authorization) {
  if (options_.max_recorded == 0)
    return;
  if (recorded_.size() == options_.max_recorded)
    recorded_.pop_front();
  recorded_.push_back({std::move(body), std::move(authorization)});
}

} // namespace deltascan::net
