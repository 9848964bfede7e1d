// Minimal JSON output for the few small documents deltascand writes: scan
// submission bodies, batch replies, problem details. Appends to a caller's
// string so a body is built in one buffer without intermediate copies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace deltascan {

/// Appends `text` as a quoted JSON string, escaping what RFC 8259 requires.
void append_json_string(std::string& out, std::string_view text);

/// Builds one JSON object member by member; commas are handled for you.
class json_object_writer {
public:
  explicit json_object_writer(std::string& out);

  json_object_writer& string(std::string_view key, std::string_view value);
  json_object_writer& null(std::string_view key);
  json_object_writer& boolean(std::string_view key, bool value);
  json_object_writer& number(std::string_view key, std::uint64_t value);

  /// Starts a nested object under `key`; close it with `end_object`.
  json_object_writer& begin_object(std::string_view key);
  json_object_writer& end_object();

  /// Closes the outermost object.
  void finish();

private:
  json_object_writer& key(std::string_view name);

  std::string& out_;
  bool first_ = true;
};

} // namespace deltascan
