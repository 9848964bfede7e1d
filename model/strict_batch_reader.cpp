// The strict, slower reader of a batch: simdjson's on-demand parser walks
// every element, ignored fields included, and stops at the first problem
// with its JSON path. The batch decoder uses it to explain a body its fast
// reader refused, so a client learns where its batch broke.
#include "model/strict_batch_reader.hpp"

#include "model/decode_support.hpp"

namespace deltascan::detail {

namespace {

using simdjson::error_code;
using json_type = simdjson::ondemand::json_type;
using value = simdjson::ondemand::value;

// -- generic readers ----------------------------------------------------------

decode_error type_of(value& v, json_type& type) {
  if (auto code = v.type().get(type))
    return malformed(code);
  return {};
}

// Checks that a value spelled `null` really is the literal null.
decode_error expect_null(value& v) {
  bool is_null = false;
  if (auto code = v.is_null().get(is_null))
    return malformed(code);
  if (!is_null)
    return malformed(simdjson::N_ATOM_ERROR);
  return {};
}

// Walks a value the decoder has no use for. simdjson's on-demand parser
// validates only what it reads, so an ignored field must still be read to
// keep a broken document from being accepted.
decode_error validate_value(value v) {
  json_type type = json_type::null;
  if (auto err = type_of(v, type))
    return err;
  switch (type) {
  case json_type::object: {
    simdjson::ondemand::object object;
    if (auto code = v.get_object().get(object))
      return malformed(code);
    for (auto field : object) {
      std::string_view key;
      if (auto code = field.unescaped_key().get(key))
        return malformed(code);
      if (auto err = validate_value(field.value()))
        return within(std::move(err), key);
    }
    return {};
  }
  case json_type::array: {
    simdjson::ondemand::array array;
    if (auto code = v.get_array().get(array))
      return malformed(code);
    std::size_t index = 0;
    for (auto element : array) {
      value item;
      if (auto code = std::move(element).get(item))
        return malformed(code);
      if (auto err = validate_value(item))
        return within_index(std::move(err), index);
      ++index;
    }
    return {};
  }
  case json_type::number: {
    simdjson::ondemand::number number;
    if (auto code = v.get_number().get(number))
      return malformed(code);
    return {};
  }
  case json_type::string: {
    std::string_view text;
    if (auto code = v.get_string().get(text))
      return malformed(code);
    return {};
  }
  case json_type::boolean: {
    bool flag = false;
    if (auto code = v.get_bool().get(flag))
      return malformed(code);
    return {};
  }
  case json_type::null:
    return expect_null(v);
  }
  return malformed(simdjson::TAPE_ERROR);
}

// Reads a string that may also be null; `out` is left empty for null.
decode_error read_optional_string(value v,
                                  std::optional<std::string_view>& out) {
  json_type type = json_type::null;
  if (auto err = type_of(v, type))
    return err;
  if (type == json_type::null) {
    out.reset();
    return expect_null(v);
  }
  if (type != json_type::string)
    return wrong_type("a string or null");
  std::string_view text;
  if (auto code = v.get_string().get(text))
    return malformed(code);
  out = text;
  return {};
}

// Validates a string-or-null field whose content is not needed.
decode_error skip_optional_string(value v) {
  std::optional<std::string_view> ignored;
  return read_optional_string(v, ignored);
}

// Opens an object that may also be null; `present` tells which it was.
decode_error open_optional_object(value v, simdjson::ondemand::object& object,
                                  bool& present) {
  json_type type = json_type::null;
  if (auto err = type_of(v, type))
    return err;
  present = type != json_type::null;
  if (!present)
    return expect_null(v);
  if (type != json_type::object)
    return wrong_type("an object or null");
  if (auto code = v.get_object().get(object))
    return malformed(code);
  return {};
}

// Same for arrays.
decode_error open_optional_array(value v, simdjson::ondemand::array& array,
                                 bool& present) {
  json_type type = json_type::null;
  if (auto err = type_of(v, type))
    return err;
  present = type != json_type::null;
  if (!present)
    return expect_null(v);
  if (type != json_type::array)
    return wrong_type("an array or null");
  if (auto code = v.get_array().get(array))
    return malformed(code);
  return {};
}

// -- the runtime event --------------------------------------------------------

// Applies `on_field(key, value)` to every member of an object, turning
// iteration failures into errors and prefixing errors with the member's key.
template <class OnField>
decode_error for_each_field(simdjson::ondemand::object& object,
                            OnField&& on_field) {
  for (auto field : object) {
    simdjson::ondemand::field member;
    if (auto code = std::move(field).get(member))
      return malformed(code);
    std::string_view key;
    if (auto code = member.unescaped_key().get(key))
      return malformed(code);
    if (auto err = on_field(key, member.value()))
      return within(std::move(err), key);
  }
  return {};
}

decode_error decode_owner(value v) {
  simdjson::ondemand::object object;
  bool present = false;
  if (auto err = open_optional_object(v, object, present); err || !present)
    return err;
  return for_each_field(object, [](std::string_view key, value field) {
    if (key == "kind" || key == "name")
      return skip_optional_string(field);
    return validate_value(field);
  });
}

decode_error decode_workload(value v, event_view& event) {
  simdjson::ondemand::object object;
  bool present = false;
  if (auto err = open_optional_object(v, object, present); err || !present)
    return err;
  return for_each_field(object, [&](std::string_view key, value field) {
    if (key == "imageRef")
      return read_optional_string(field, event.image_ref);
    if (key == "platform" || key == "namespace" || key == "pod" ||
        key == "container" || key == "containerId")
      return skip_optional_string(field);
    if (key == "owner")
      return decode_owner(field);
    return validate_value(field);
  });
}

decode_error decode_changed_files(value v, std::size_t& count) {
  simdjson::ondemand::array array;
  bool present = false;
  count = 0;
  if (auto err = open_optional_array(v, array, present); err || !present)
    return err;
  for (auto element : array) {
    value item;
    if (auto code = std::move(element).get(item))
      return malformed(code);
    json_type type = json_type::null;
    if (auto err = type_of(item, type))
      return within_index(std::move(err), count);
    if (type != json_type::string)
      return within_index(wrong_type("a string"), count);
    if (auto err = validate_value(item))
      return within_index(std::move(err), count);
    ++count;
  }
  return {};
}

decode_error decode_new_binaries(value v, std::size_t& count) {
  simdjson::ondemand::array array;
  bool present = false;
  count = 0;
  if (auto err = open_optional_array(v, array, present); err || !present)
    return err;
  for (auto element : array) {
    value item;
    if (auto code = std::move(element).get(item))
      return malformed(code);
    json_type type = json_type::null;
    if (auto err = type_of(item, type))
      return within_index(std::move(err), count);
    if (type != json_type::object)
      return within_index(wrong_type("an object"), count);
    simdjson::ondemand::object binary;
    if (auto code = item.get_object().get(binary))
      return within_index(malformed(code), count);
    auto err = for_each_field(binary, [](std::string_view key, value field) {
      if (key == "path" || key == "sha256")
        return skip_optional_string(field);
      return validate_value(field);
    });
    if (err)
      return within_index(std::move(err), count);
    ++count;
  }
  return {};
}

decode_error decode_delta(value v, event_view& event) {
  simdjson::ondemand::object object;
  bool present = false;
  if (auto err = open_optional_object(v, object, present); err || !present)
    return err;
  return for_each_field(object, [&](std::string_view key, value field) {
    if (key == "baselineImageDigest")
      return read_optional_string(field, event.baseline_image_digest);
    if (key == "changedFiles")
      return decode_changed_files(field, event.changed_files_count);
    if (key == "newBinaries")
      return decode_new_binaries(field, event.new_binaries_count);
    return validate_value(field);
  });
}

decode_error decode_event(value v, event_view& event) {
  json_type type = json_type::null;
  if (auto err = type_of(v, type))
    return err;
  if (type != json_type::object)
    return wrong_type("an object");
  simdjson::ondemand::object object;
  if (auto code = v.get_object().get(object))
    return malformed(code);
  auto err = for_each_field(object, [&](std::string_view key, value field) {
    if (key == "eventId") {
      json_type id_type = json_type::null;
      if (auto err = type_of(field, id_type))
        return err;
      if (id_type != json_type::string)
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
      return skip_optional_string(field);
    if (key == "workload")
      return decode_workload(field, event);
    if (key == "delta")
      return decode_delta(field, event);
    return validate_value(field);
  });
  if (err)
    return err;
  if (!event.event_id)
    return within(missing_field(), "eventId");
  if (event.event_id->empty())
    return empty_event_id();
  return {};
}

decode_error decode_envelope(value v, runtime_batch& out) {
  json_type type = json_type::null;
  if (auto err = type_of(v, type))
    return err;
  if (type != json_type::object)
    return wrong_type("an object");
  simdjson::ondemand::object object;
  if (auto code = v.get_object().get(object))
    return malformed(code);
  std::optional<event_view> event;
  auto err = for_each_field(object, [&](std::string_view key, value field) {
    if (key == "schemaVersion")
      return skip_optional_string(field);
    if (key == "event") {
      event.emplace();
      return decode_event(field, *event);
    }
    return validate_value(field);
  });
  if (err)
    return err;
  if (!event)
    return within(missing_field(), "event");
  keep_if_drift(*event, out);
  return {};
}

decode_error decode_events(value v, const decode_limits& limits,
                           runtime_batch& out) {
  json_type type = json_type::null;
  if (auto err = type_of(v, type))
    return err;
  if (type != json_type::array)
    return wrong_type("an array");
  simdjson::ondemand::array array;
  if (auto code = v.get_array().get(array))
    return malformed(code);
  for (auto element : array) {
    if (out.events_received == limits.max_events)
      return too_many_events(limits.max_events);
    value envelope;
    if (auto code = std::move(element).get(envelope))
      return malformed(code);
    if (auto err = decode_envelope(envelope, out))
      return within_index(std::move(err), out.events_received);
    ++out.events_received;
  }
  return {};
}

// A root that is not an object is either valid JSON of the wrong type or
// not JSON at all; the client deserves to know which.
decode_error classify_non_object_root(simdjson::ondemand::document& doc) {
  json_type type = json_type::null;
  if (auto code = doc.type().get(type))
    return malformed(code);
  auto code = simdjson::SUCCESS;
  switch (type) {
  case json_type::null: {
    bool is_null = false;
    code = doc.is_null().get(is_null);
    if (!code && !is_null)
      code = simdjson::N_ATOM_ERROR;
    break;
  }
  case json_type::boolean: {
    bool flag = false;
    code = doc.get_bool().get(flag);
    break;
  }
  case json_type::number: {
    simdjson::ondemand::number number;
    code = doc.get_number().get(number);
    break;
  }
  case json_type::string: {
    std::string_view text;
    code = doc.get_string().get(text);
    break;
  }
  default:
    break;
  }
  if (code)
    return malformed(code);
  return wrong_type("a batch object");
}

} // namespace

decode_error read_batch_strictly(simdjson::ondemand::parser& parser,
                                 std::string& body, const decode_limits& limits,
                                 runtime_batch& out) {
  out = runtime_batch{};
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  simdjson::padded_string_view input{body.data(), body.size(), body.capacity()};
  if (auto code = parser.iterate(input).get(doc))
    return malformed(code);
  simdjson::ondemand::object root;
  if (auto code = doc.get_object().get(root)) {
    if (code == simdjson::INCORRECT_TYPE)
      return classify_non_object_root(doc);
    return malformed(code);
  }
  bool saw_events = false;
  std::optional<std::string_view> batch_id;
  auto err = for_each_field(root, [&](std::string_view key, value field) {
    if (key == "batchId")
      return read_optional_string(field, batch_id);
    if (key == "events") {
      saw_events = true;
      out.events_received = 0;
      out.drift_events.clear();
      return decode_events(field, limits, out);
    }
    return validate_value(field);
  });
  if (err)
    return err;
  if (!saw_events)
    return within(missing_field(), "events");
  // simdjson 3.0 stops at the end of the root object and does not look
  // further; a location still in bounds means bytes follow it.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS)
    return {decode_errc::malformed_json,
            {},
            "malformed JSON: trailing content after the batch object"};
  out.batch_id = to_owned(batch_id);
  return {};
}

} // namespace deltascan::detail
