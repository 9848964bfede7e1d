// Answers scan submissions the way the scanner's API does, with the latency,
// failures and scripted faults a test asks for, and keeps what it received.
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

enum class route { submit_scan, stats, requests, faults, reset, unknown };

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
    {"/stub/faults", route::faults, http::verb::post, "POST"},
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
  if (entry->target == route::submit_scan || entry->target == route::faults) {
    auto content_type = head[http::field::content_type];
    if (!is_json(content_type))
      return make_problem(http::status::unsupported_media_type,
                          std::string{entry->target == route::faults
                                          ? "fault scripts"
                                          : "scan submissions"} +
                              " need Content-Type application/json, got '" +
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

/// Longest scripted delay, so a mistyped script cannot hold a connection
/// (and the stub's shutdown) for hours.
constexpr std::chrono::milliseconds max_fault_delay{60'000};

/// What is wrong with a fault, if anything.
std::optional<std::string> check_fault(const stub_fault& fault) {
  if (fault.what == stub_fault::action::respond &&
      (fault.status < 200 || fault.status > 599))
    return "status " + std::to_string(fault.status) + " is outside 200 to 599";
  if (fault.delay < std::chrono::milliseconds::zero() ||
      fault.delay > max_fault_delay)
    return "delay of " + std::to_string(fault.delay.count()) +
           " ms is outside 0 to " + std::to_string(max_fault_delay.count()) +
           " ms";
  return std::nullopt;
}

/// Reads one fault object of a `POST /stub/faults` script.
std::variant<stub_fault, std::string> parse_fault(simdjson::dom::element item,
                                                  const std::string& where) {
  simdjson::dom::object object;
  if (item.get(object))
    return where + " must be a JSON object";
  stub_fault fault;
  bool has_status = false;
  for (auto [key, value] : object) {
    std::string_view text;
    std::uint64_t number = 0;
    if (key == "action") {
      if (value.get(text))
        return where + ".action must be a string";
      if (text == "respond")
        fault.what = stub_fault::action::respond;
      else if (text == "accept")
        fault.what = stub_fault::action::accept;
      else if (text == "close")
        fault.what = stub_fault::action::close;
      else
        return where + ".action must be respond, accept or close, got '" +
               std::string{text} + "'";
    } else if (key == "status") {
      if (value.get(number) || number > 999)
        return where + ".status must be an HTTP status code";
      fault.status = static_cast<unsigned>(number);
      has_status = true;
    } else if (key == "body") {
      if (value.get(text))
        return where + ".body must be a string";
      fault.body.assign(text);
    } else if (key == "retryAfter") {
      if (!value.get(text))
        fault.retry_after.emplace(text);
      else if (!value.get(number))
        fault.retry_after = std::to_string(number);
      else
        return where + ".retryAfter must be a string or a non-negative "
                       "integer";
    } else if (key == "delayMs") {
      if (value.get(number) ||
          number > static_cast<std::uint64_t>(max_fault_delay.count()))
        return where + ".delayMs must be an integer from 0 to " +
               std::to_string(max_fault_delay.count());
      fault.delay = std::chrono::milliseconds{number};
    } else {
      return where + " has an unknown member '" + std::string{key} + "'";
    }
  }
  if (fault.what == stub_fault::action::respond && !has_status)
    return where + " answers, so it needs a status";
  if (auto problem = check_fault(fault))
    return where + ": " + *problem;
  return fault;
}

/// Reads a `POST /stub/faults` body: a JSON array of fault objects.
std::variant<std::vector<stub_fault>, std::string>
parse_faults(const std::string& body) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(body).get(doc))
    return std::string{"body is not valid JSON: "} +
           simdjson::error_message(err);
  simdjson::dom::array array;
  if (doc.get(array))
    return std::string{"body must be a JSON array of faults"};
  std::vector<stub_fault> faults;
  for (auto item : array) {
    auto parsed = parse_fault(item, "fault " + std::to_string(faults.size()));
    if (auto* error = std::get_if<std::string>(&parsed))
      return std::move(*error);
    faults.push_back(std::get<stub_fault>(std::move(parsed)));
  }
  return faults;
}

/// The scripted answer of a `respond` fault. Content-Length is left to the
/// server, which refuses a body on a status that cannot carry one.
http_response fault_response(const stub_fault& fault, const http_request& req) {
  http_response res;
  res.version(req.version());
  res.result(fault.status);
  if (!fault.body.empty()) {
    auto first = fault.body.find_first_not_of(" \t\r\n");
    auto looks_json = first != std::string::npos &&
                      (fault.body[first] == '{' || fault.body[first] == '[');
    res.set(http::field::content_type,
            looks_json ? "application/json" : "text/plain");
  }
  if (fault.retry_after)
    res.set(http::field::retry_after, *fault.retry_after);
  res.body() = fault.body;
  res.keep_alive(req.keep_alive());
  return res;
}

} // namespace

stub_fault stub_fault::answer(unsigned status, std::string body,
                              std::optional<std::string> retry_after) {
  stub_fault fault;
  fault.what = action::respond;
  fault.status = status;
  fault.body = std::move(body);
  fault.retry_after = std::move(retry_after);
  return fault;
}

stub_fault stub_fault::slow(std::chrono::milliseconds delay) {
  stub_fault fault;
  fault.what = action::accept;
  fault.delay = delay;
  return fault;
}

stub_fault stub_fault::drop() {
  stub_fault fault;
  fault.what = action::close;
  return fault;
}

stub_fault stub_fault::invalid_reply(std::string body) {
  return answer(200, std::move(body));
}

stub_scanner::stub_scanner(boost::asio::any_io_executor timers,
                           stub_scanner_options options)
    : timers_{std::move(timers)}, log_{component_logger("stub-scanner")},
      options_{options}, draws_{options.seed} {
  set_failure_rate(options.failure_rate);
}

std::optional<http_response>
stub_scanner::check_header(const http::request_header<>& head, request_hold&) {
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
  case route::faults:
    reply.send(faults_response(req));
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
  recorded_submission entry;
  if (auto it = req.find(http::field::authorization); it != req.end())
    entry.authorization.emplace(it->value());
  auto parsed = parse_submission(req.body());
  const auto* fields = std::get_if<submission_fields>(&parsed);
  if (fields != nullptr)
    entry.client_request_id = fields->client_request_id;
  decision outcome;
  std::chrono::milliseconds latency;
  {
    std::lock_guard lock{mutex_};
    ++stats_.received;
    if (!faults_.empty()) {
      outcome.fault = std::move(faults_.front());
      faults_.pop_front();
      ++stats_.scripted;
    }
    latency = outcome.fault ? outcome.fault->delay : options_.latency;
    if (outcome.fault && outcome.fault->what != stub_fault::action::accept) {
      entry.answer = outcome.fault->what == stub_fault::action::respond
                         ? outcome.fault->status
                         : 0;
    } else if (fields == nullptr) {
      entry.answer = 400;
    } else {
      // A scripted acceptance is never turned into a random failure.
      std::uniform_real_distribution<double> draw{0.0, 1.0};
      if (!outcome.fault && draw(draws_) < options_.failure_rate) {
        ++stats_.failed;
        outcome.fail = true;
        entry.answer = 500;
      } else {
        accept_scan(fields->digest, outcome);
        entry.answer = 202;
      }
    }
    entry.scripted = outcome.fault.has_value();
    entry.body = std::move(req.body());
    record(std::move(entry));
  }
  std::optional<http_response> res;
  if (outcome.fault && outcome.fault->what == stub_fault::action::close) {
    log_->debug("stub-scanner drops a scan submission without an answer "
                "on purpose");
  } else if (outcome.fault &&
             outcome.fault->what == stub_fault::action::respond) {
    log_->debug("stub-scanner answers a scan submission {} on purpose",
                outcome.fault->status);
    res = fault_response(*outcome.fault, req);
  } else if (auto* error = std::get_if<std::string>(&parsed)) {
    log_->debug("stub-scanner rejected a scan submission: {}", *error);
    res = make_problem(http::status::bad_request, *error, req.version(),
                       req.keep_alive());
  } else if (outcome.fail) {
    log_->debug("stub-scanner failed the submission for {} on purpose",
                fields->digest);
    res = make_problem(http::status::internal_server_error,
                       "injected failure for image " + fields->digest,
                       req.version(), req.keep_alive());
  } else {
    log_->debug("stub-scanner queued scan {} for {} (created: {})",
                outcome.scan_id, fields->digest, outcome.created);
    auto location = std::string{scans_path} + "/" + outcome.scan_id;
    std::string body;
    json_object_writer{body}
        .string("scanId", outcome.scan_id)
        .string("status", "queued")
        .string("location", location)
        .boolean("created", outcome.created)
        .finish();
    res = json_response(http::status::accepted, std::move(body), req);
    res->set(http::field::location, location);
  }
  // Without a response, letting `reply` go closes the connection unanswered.
  if (latency <= std::chrono::milliseconds::zero()) {
    if (res)
      reply.send(std::move(*res));
    return;
  }
  // Waits on a timer, never on a thread: the stub must keep up with
  // deltascand's concurrency while it pretends to be slow.
  auto timer = std::make_shared<boost::asio::steady_timer>(timers_, latency);
  timer->async_wait([timer, reply = std::move(reply), res = std::move(res)](
                        const boost::system::error_code&) mutable {
    if (res)
      reply.send(std::move(*res));
  });
}

// Called with mutex_ held.
void stub_scanner::accept_scan(const std::string& digest, decision& outcome) {
  ++stats_.accepted;
  auto [it, created] = scan_ids_.try_emplace(digest);
  if (created)
    it->second = "stub-scan-" + std::to_string(++next_scan_);
  outcome.scan_id = it->second;
  outcome.created = created;
}

http_response stub_scanner::faults_response(const http_request& req) {
  auto parsed = parse_faults(req.body());
  if (auto* error = std::get_if<std::string>(&parsed))
    return make_problem(http::status::bad_request, *error, req.version(),
                        req.keep_alive());
  auto& faults = std::get<std::vector<stub_fault>>(parsed);
  auto count = faults.size();
  std::size_t pending = 0;
  {
    std::lock_guard lock{mutex_};
    for (auto& fault : faults)
      faults_.push_back(std::move(fault));
    pending = faults_.size();
  }
  if (count > 0)
    log_->info("stub-scanner scripted {} faults, {} pending", count, pending);
  std::string body;
  json_object_writer{body}.number("pending", pending).finish();
  return json_response(http::status::ok, std::move(body), req);
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
      if (entry.client_request_id)
        writer.string("clientRequestId", *entry.client_request_id);
      else
        writer.null("clientRequestId");
      writer.number("answer", entry.answer);
      writer.boolean("scripted", entry.scripted);
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

bool stub_scanner::script_faults(std::vector<stub_fault> faults) {
  for (const auto& fault : faults) {
    if (auto problem = check_fault(fault)) {
      log_->error("stub-scanner refused a fault script: {}", *problem);
      return false;
    }
  }
  auto count = faults.size();
  std::size_t pending = 0;
  {
    std::lock_guard lock{mutex_};
    for (auto& fault : faults)
      faults_.push_back(std::move(fault));
    pending = faults_.size();
  }
  log_->info("stub-scanner scripted {} faults, {} pending", count, pending);
  return true;
}

void stub_scanner::clear_faults() {
  std::lock_guard lock{mutex_};
  faults_.clear();
}

std::size_t stub_scanner::pending_faults() const {
  std::lock_guard lock{mutex_};
  return faults_.size();
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
    faults_.clear();
    draws_.seed(options_.seed);
  }
  log_->info("stub-scanner reset its records");
}

// Called with mutex_ held.
void stub_scanner::record(recorded_submission entry) {
  if (options_.max_recorded == 0)
    return;
  if (recorded_.size() == options_.max_recorded)
    recorded_.pop_front();
  recorded_.push_back(std::move(entry));
}

} // namespace deltascan::net
