// What the two batch readers share: the error values with their JSON paths,
// and the view of an event before its kind decides whether it is kept.
// Internal to the model library.
#pragma once

#include "model/batch_decoder.hpp"
#include "model/event_kind.hpp"

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace deltascan::detail {

inline decode_error malformed(simdjson::error_code code) {
  // simdjson reports a broken literal such as `tru` as a type mismatch,
  // which would read as if a valid value had the wrong type.
  if (code == simdjson::INCORRECT_TYPE)
    return {decode_errc::malformed_json,
            {},
            "malformed JSON: invalid literal or value"};
  return {decode_errc::malformed_json,
          {},
          std::string{"malformed JSON: "} + simdjson::error_message(code)};
}

inline decode_error wrong_type(std::string_view expected) {
  return {decode_errc::wrong_type, {}, "expected " + std::string{expected}};
}

inline decode_error missing_field() {
  return {decode_errc::missing_field, {}, "missing required field"};
}

// Paths are built only on the error path, while the error travels up from
// the offending element: the common case of a valid batch pays nothing.
inline decode_error within(decode_error err, std::string_view segment) {
  if (err.path.empty()) {
    err.path = segment;
  } else if (err.path.front() == '[') {
    err.path.insert(0, segment);
  } else {
    err.path.insert(0, 1, '.');
    err.path.insert(0, segment);
  }
  return err;
}

inline decode_error within_index(decode_error err, std::size_t index) {
  // Appended piecewise: `"[" + std::string` draws a false -Wrestrict
  // from GCC 12 at -O3.
  std::string segment{"["};
  segment += std::to_string(index);
  segment += ']';
  return within(std::move(err), segment);
}

// An event as decoded, before its kind decides whether it is kept. Views
// point into the parser's string buffer, valid until the next document is
// parsed. Only drift events are copied out, so other events cost no
// allocation.
struct event_view {
  std::optional<std::string_view> event_id;
  std::optional<std::string_view> kind;
  std::optional<std::string_view> tenant;
  std::optional<std::string_view> node;
  std::optional<std::string_view> image_ref;
  std::optional<std::string_view> baseline_image_digest;
  std::size_t changed_files_count = 0;
  std::size_t new_binaries_count = 0;
};

inline std::optional<std::string>
to_owned(std::optional<std::string_view> text) {
  if (!text)
    return std::nullopt;
  return std::string{*text};
}

/// Keeps the event when it reports drift.
inline void keep_if_drift(const event_view& event, runtime_batch& out) {
  if (parse_event_kind(event.kind.value_or("")) != event_kind::drift)
    return;
  out.drift_events.push_back(drift_event{
      std::string{*event.event_id},
      to_owned(event.tenant),
      to_owned(event.node),
      to_owned(event.image_ref),
      to_owned(event.baseline_image_digest),
      event.changed_files_count,
      event.new_binaries_count,
  });
}

inline decode_error too_many_events(std::size_t max_events) {
  return {decode_errc::too_many_events,
          {},
          "more than " + std::to_string(max_events) + " events in one batch"};
}

inline decode_error empty_event_id() {
  return within({decode_errc::invalid_value, {}, "must not be empty"},
                "eventId");
}

} // namespace deltascan::detail
