#include "model/json_writer.hpp"

namespace deltascan {

namespace {

bool needs_escape(unsigned char byte) {
  return byte < 0x20 || byte == '"' || byte == '\\';
}

void append_escape(std::string& out, unsigned char byte) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (byte) {
  case '"':
    out += "\\\"";
    return;
  case '\\':
    out += "\\\\";
    return;
  case '\n':
    out += "\\n";
    return;
  case '\r':
    out += "\\r";
    return;
  case '\t':
    out += "\\t";
    return;
  default: {
    const char escape[] = {
        '\\', 'u', '0', '0', hex[byte >> 4], hex[byte & 0x0f]};
    out.append(escape, sizeof escape);
  }
  }
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  // Submission bodies are mostly identifiers and paths with nothing to
  // escape: copy each run of plain characters in one append, one growth
  // check per run instead of one per character.
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (!needs_escape(byte))
      continue;
    out.append(text.data() + run, i - run);
    append_escape(out, byte);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

json_object_writer::json_object_writer(std::string& out) : out_{out} {
  out_.push_back('{');
}

json_object_writer& json_object_writer::key(std::string_view name) {
  if (!first_)
    out_.push_back(',');
  first_ = false;
  append_json_string(out_, name);
  out_.push_back(':');
  return *this;
}

json_object_writer& json_object_writer::string(std::string_view key_name,
                                               std::string_view value) {
  key(key_name);
  append_json_string(out_, value);
  return *this;
}

json_object_writer& json_object_writer::null(std::string_view key_name) {
  key(key_name);
  out_ += "null";
  return *this;
}

json_object_writer& json_object_writer::boolean(std::string_view key_name,
                                                bool value) {
  key(key_name);
  out_ += value ? "true" : "false";
  return *this;
}

json_object_writer& json_object_writer::number(std::string_view key_name,
                                               std::uint64_t value) {
  key(key_name);
  out_ += std::to_string(value);
  return *this;
}

json_object_writer& json_object_writer::begin_object(std::string_view name) {
  key(name);
  out_.push_back('{');
  first_ = true;
  return *this;
}

json_object_writer& json_object_writer::end_object() {
  out_.push_back('}');
  first_ = false;
  return *this;
}

void json_object_writer::finish() {
  out_.push_back('}');
}

} // namespace deltascan
