// Reads the scanner's answer to a scan submission strictly enough that a
// broken reply is reported as broken instead of half-understood.
#include "net/scanner_reply.hpp"

#include "net/retry_after.hpp"

#include <boost/beast/http/status.hpp>

#include <simdjson.h>

#include <optional>
#include <utility>

namespace deltascan::net {

namespace {

namespace od = simdjson::ondemand;

/// Nesting deeper than this in a reply is refused rather than recursed into.
constexpr int max_nesting = 64;

/// A 2xx reply that does not say which scan was queued.
scan_outcome invalid(std::string reason) {
  return scan_outcome::failure(std::move(reason), failure_kind::invalid_reply);
}

scan_outcome not_json(std::string_view detail) {
  return invalid("scanner reply is not valid JSON: " + std::string{detail});
}

scan_outcome not_json(simdjson::error_code err) {
  return not_json(simdjson::error_message(err));
}

// On-demand parsing checks only what is read, so the members the client does
// not need are walked too: a reply broken anywhere is reported as broken.
simdjson::error_code validate(od::value& value, int depth) {
  if (depth > max_nesting)
    return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto err = value.type().get(type))
    return err;
  switch (type) {
  case od::json_type::object: {
    od::object object;
    if (auto err = value.get_object().get(object))
      return err;
    for (auto member : object) {
      od::field field;
      std::string_view key;
      if (auto err = std::move(member).get(field))
        return err;
      if (auto err = field.unescaped_key().get(key))
        return err;
      if (auto err = validate(field.value(), depth + 1))
        return err;
    }
    return simdjson::SUCCESS;
  }
  case od::json_type::array: {
    od::array array;
    if (auto err = value.get_array().get(array))
      return err;
    for (auto element : array) {
      od::value item;
      if (auto err = std::move(element).get(item))
        return err;
      if (auto err = validate(item, depth + 1))
        return err;
    }
    return simdjson::SUCCESS;
  }
  case od::json_type::number: {
    od::number number;
    return value.get_number().get(number);
  }
  case od::json_type::string: {
    std::string_view text;
    return value.get_string().get(text);
  }
  case od::json_type::boolean: {
    bool flag = false;
    return value.get_bool().get(flag);
  }
  case od::json_type::null: {
    bool is_null = false;
    if (auto err = value.is_null().get(is_null))
      return err;
    return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
  }
  }
  return simdjson::TAPE_ERROR;
}

scan_outcome interpret_accepted(std::string& body) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  // Replies are small and come on few io threads: one parser per thread
  // keeps its buffers instead of allocating them for every reply.
  thread_local od::parser parser;
  od::document doc;
  if (auto err = parser.iterate(body).get(doc))
    return not_json(err);
  od::object object;
  if (auto err = doc.get_object().get(object)) {
    // Tell a JSON array or scalar from text that is no JSON at all.
    od::json_type type;
    if (err == simdjson::INCORRECT_TYPE && !doc.type().get(type))
      return invalid("scanner reply is not a JSON object");
    return not_json(err);
  }
  std::optional<std::string> scan_id;
  std::optional<bool> created;
  for (auto member : object) {
    od::field field;
    std::string_view key;
    if (auto err = std::move(member).get(field))
      return not_json(err);
    if (auto err = field.unescaped_key().get(key))
      return not_json(err);
    if (key == "scanId") {
      std::string_view id;
      auto err = field.value().get_string().get(id);
      if (err == simdjson::INCORRECT_TYPE)
        return invalid("scanner reply has a scanId that is not a string");
      if (err)
        return not_json(err);
      // The view points into the parser's buffer: copy it now.
      scan_id = std::string{id};
    } else if (key == "created") {
      bool flag = false;
      auto err = field.value().get_bool().get(flag);
      if (err == simdjson::INCORRECT_TYPE)
        return invalid("scanner reply has a created that is not a boolean");
      if (err)
        return not_json(err);
      created = flag;
    } else if (auto err = validate(field.value(), 1)) {
      return not_json(err);
    }
  }
  // Without this a second document after the object would go unnoticed.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
    return not_json("unexpected content after the object");
  if (!scan_id || scan_id->empty())
    return invalid("scanner reply lacks scanId");
  if (!created)
    return invalid("scanner reply lacks created");
  return scan_outcome::success(std::move(*scan_id), *created);
}

} // namespace

std::string printable_excerpt(std::string_view text, std::size_t limit) {
  auto cut = text.size() > limit;
  if (cut)
    text = text.substr(0, limit);
  std::string out;
  out.reserve(text.size() + 3);
  for (auto ch : text) {
    auto byte = static_cast<unsigned char>(ch);
    if (ch == '\n' || ch == '\r' || ch == '\t')
      out.push_back(' ');
    else if (byte < 0x20 || byte >= 0x7f)
      out.push_back('?');
    else
      out.push_back(ch);
  }
  if (cut)
    out += "...";
  return out;
}

failure_kind classify_status(unsigned status) {
  if (status >= 200 && status < 300)
    return failure_kind::none;
  if (status >= 500 && status < 600)
    return failure_kind::server_error;
  if (status == 408)
    return failure_kind::request_timeout;
  if (status == 429)
    return failure_kind::throttled;
  return failure_kind::rejected;
}

scan_outcome
interpret_scanner_reply(unsigned status, std::string_view reason_phrase,
                        std::string body, std::string_view retry_after,
                        std::chrono::system_clock::time_point now) {
  if (status >= 200 && status < 300) {
    auto outcome = interpret_accepted(body);
    outcome.status = status;
    return outcome;
  }
  namespace http = boost::beast::http;
  if (reason_phrase.empty() &&
      http::int_to_status(status) != http::status::unknown)
    reason_phrase = http::obsolete_reason(http::int_to_status(status));
  auto reason = "scanner answered " + std::to_string(status);
  if (!reason_phrase.empty()) {
    reason += ' ';
    reason += printable_excerpt(reason_phrase);
  }
  if (!body.empty()) {
    reason += ": ";
    reason += printable_excerpt(body);
  }
  auto outcome =
      scan_outcome::failure(std::move(reason), classify_status(status), status);
  // Elsewhere the header is not about retrying the submission (e.g. 301).
  if ((status == 429 || status == 503) && !retry_after.empty())
    outcome.retry_after = parse_retry_after(retry_after, now);
  return outcome;
}

} // namespace deltascan::net
