// Decodes batches on a fast path and explains failures on a slow one.
//
// simdjson's DOM parser validates a whole document (structure, literals,
// numbers, escapes, UTF-8, trailing bytes) in its runtime-dispatched SIMD
// stages, several times faster than walking every ignored element with the
// on-demand parser. So the fast path parses with DOM and reads only the
// fields the rules need, checking their types. DOM cannot say where a
// document broke, though; when it refuses one, the strict on-demand reader
// runs on the same bytes to find the JSON path of the problem.
//
// TODO: the schema is spelled twice, here and in strict_batch_reader.cpp; a
// field added to one must be added to the other. The decoder tests run
// every wrong-type case through both readers to catch a divergence.
#include "model/batch_decoder.hpp"

#include "model/decode_support.hpp"
#include "model/strict_batch_reader.hpp"

#include <simdjson.h>

#include <algorithm>
#include <string_view>
#include <utility>

namespace deltascan {

namespace {

using namespace detail;
using simdjson::dom::element;
using simdjson::dom::element_type;

decode_error read_optional_string(element v,
                                  std::optional<std::string_view>& out) {
  switch (v.type()) {
  case element_type::NULL_VALUE:
    out.reset();
    return {};
  case element_type::STRING:
    out = std::string_view{v.get_string().value_unsafe()};
    return {};
  default:
    return wrong_type("a string or null");
  }
}

decode_error check_optional_string(element v) {
  auto t = v.type();
  if (t == element_type::NULL_VALUE || t == element_type::STRING)
    return {};
  return wrong_type("a string or null");
}

// Calls `on_field(key, value)` for every member, prefixing errors with the
// member's key.
template <class OnField>
decode_error for_each_field(simdjson::dom::object object, OnField&& on_field) {
  for (auto [key, value] : object)
    if (auto err = on_field(key, value))
      return within(std::move(err), key);
  return {};
}

// Applies `on_field` to the members of an object that may also be null.
template <class OnField>
decode_error for_each_field_or_null(element v, OnField&& on_field) {
  if (v.type() == element_type::NULL_VALUE)
    return {};
  if (v.type() != element_type::OBJECT)
    return wrong_type("an object or null");
  return for_each_field(v.get_object().value_unsafe(),
                        std::forward<OnField>(on_field));
}

// Applies `on_item` to the items of an array that may also be null and
// counts them, prefixing errors with the item's index.
template <class OnItem>
decode_error for_each_item_or_null(element v, std::size_t& count,
                                   OnItem&& on_item) {
  count = 0;
  if (v.type() == element_type::NULL_VALUE)
    return {};
  if (v.type() != element_type::ARRAY)
    return wrong_type("an array or null");
  // Named, so the array outlives the loop (value_unsafe returns a reference
  // into a temporary result).
  auto items = v.get_array().value_unsafe();
  for (auto item : items) {
    if (auto err = on_item(item))
      return within_index(std::move(err), count);
    ++count;
  }
  return {};
}

decode_error read_owner(element v) {
  return for_each_field_or_null(v, [](std::string_view key, element field) {
    if (key == "kind" || key == "name")
      return check_optional_string(field);
    return decode_error{};
  });
}

decode_error read_workload(element v, event_view& event) {
  return for_each_field_or_null(v, [&](std::string_view key, element field) {
    if (key == "imageRef")
      return read_optional_string(field, event.image_ref);
    if (key == "platform" || key == "namespace" || key == "pod" ||
        key == "container" || key == "containerId")
      return check_optional_string(field);
    if (key == "owner")
      return read_owner(field);
    return decode_error{};
  });
}

decode_error read_changed_files(element v, std::size_t& count) {
  return for_each_item_or_null(v, count, [](element file) {
    if (file.type() != element_type::STRING)
      return wrong_type("a string");
    return decode_error{};
  });
}

decode_error read_new_binaries(element v, std::size_t& count) {
  return for_each_item_or_null(v, count, [](element binary) {
    if (binary.type() != element_type::OBJECT)
      return wrong_type("an object");
    return for_each_field(binary.get_object().value_unsafe(),
                          [](std::string_view key, element field) {
                            if (key == "path" || key == "sha256")
                              return check_optional_string(field);
                            return decode_error{};
                          });
  });
}

decode_error read_delta(element v, event_view& event) {
  return for_each_field_or_null(v, [&](std::string_view key, element field) {
    if (key == "baselineImageDigest")
      return read_optional_string(field, event.baseline_image_digest);
    if (key == "changedFiles")
      return read_changed_files(field, event.changed_files_count);
    if (key == "newBinaries")
      return read_new_binaries(field, event.new_binaries_count);
    return decode_error{};
  });
}

decode_error read_event(element v, event_view& event) {
  if (v.type() != element_type::OBJECT)
    return wrong_type("an object");
  auto err = for_each_field(
      v.get_object().value_unsafe(), [&](std::string_view key, element field) {
        if (key == "eventId") {
          if (field.type() != element_type::STRING)
            return wrong_type("a string");
          return read_optional_string(field, event.event_id);
        }
        if (key == "kind")
          return read_optional_string(field, event.kind);
        if (key == "tenant")
          return read_optional_string(field, event.tenant);
        if (key == "node")
          return read_optional_string(field, event.node);
        if (key == "when")
          return check_optional_string(field);
        if (key == "workload")
          return read_workload(field, event);
        if (key == "delta")
          return read_delta(field, event);
        return decode_error{};
      });
  if (err)
    return err;
  if (!event.event_id)
    return within(missing_field(), "eventId");
  if (event.event_id->empty())
    return empty_event_id();
  return {};
}

decode_error read_envelope(element v, runtime_batch& out) {
  if (v.type() != element_type::OBJECT)
    return wrong_type("an object");
  std::optional<event_view> event;
  auto err = for_each_field(v.get_object().value_unsafe(),
                            [&](std::string_view key, element field) {
                              if (key == "schemaVersion")
                                return check_optional_string(field);
                              if (key == "event") {
                                event.emplace();
                                return read_event(field, *event);
                              }
                              return decode_error{};
                            });
  if (err)
    return err;
  if (!event)
    return within(missing_field(), "event");
  keep_if_drift(*event, out);
  return {};
}

decode_error read_events(element v, const decode_limits& limits,
                         runtime_batch& out) {
  if (v.type() != element_type::ARRAY)
    return wrong_type("an array");
  auto events = v.get_array().value_unsafe();
  // One allocation for the batch's drift events instead of a regrowth (and
  // a move of every event kept so far) each time the vector fills up.
  out.drift_events.reserve(std::min(events.size(), limits.max_events));
  for (auto envelope : events) {
    if (out.events_received == limits.max_events)
      return too_many_events(limits.max_events);
    if (auto err = read_envelope(envelope, out))
      return within_index(std::move(err), out.events_received);
    ++out.events_received;
  }
  return {};
}

decode_error read_batch(element root, const decode_limits& limits,
                        runtime_batch& out) {
  if (root.type() != element_type::OBJECT)
    return wrong_type("a batch object");
  bool saw_events = false;
  std::optional<std::string_view> batch_id;
  auto err = for_each_field(root.get_object().value_unsafe(),
                            [&](std::string_view key, element field) {
                              if (key == "batchId")
                                return read_optional_string(field, batch_id);
                              if (key == "events") {
                                saw_events = true;
                                out.events_received = 0;
                                out.drift_events.clear();
                                return read_events(field, limits, out);
                              }
                              return decode_error{};
                            });
  if (err)
    return err;
  if (!saw_events)
    return within(missing_field(), "events");
  out.batch_id = to_owned(batch_id);
  return {};
}

} // namespace

std::string decode_error::to_string() const {
  return (path.empty() ? std::string{"$"} : path) + ": " + message;
}

struct batch_decoder::impl {
  simdjson::dom::parser fast;
  simdjson::ondemand::parser strict;
};

batch_decoder::batch_decoder(decode_limits limits)
    : impl_{std::make_unique<impl>()}, limits_{limits} {
  // nop
}

batch_decoder::~batch_decoder() = default;

batch_decoder::batch_decoder(batch_decoder&&) noexcept = default;

batch_decoder& batch_decoder::operator=(batch_decoder&&) noexcept = default;

const char* batch_decoder::kernel_name() const {
  // DOM parsing dispatches at run time; the strict reader uses the kernel
  // this file was compiled for.
  return simdjson::get_active_implementation()->name().c_str();
}

decode_error batch_decoder::decode(std::string& body, runtime_batch& out) {
  out = runtime_batch{};
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  element root;
  auto code = impl_->fast.parse(body.data(), body.size(), false).get(root);
  if (!code)
    return read_batch(root, limits_, out);
  // The body is not valid JSON: let the strict reader say where.
  if (auto err = read_batch_strictly(impl_->strict, body, limits_, out))
    return err;
  out = runtime_batch{};
  return malformed(code);
}

} // namespace deltascan
