#include "model/json_writer.hpp"

namespace deltascan {

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (byte < 0x20) {
        out += "\\u00";
        out.push_back(hex[byte >> 4]);
        out.push_back(hex[byte & 0x0f]);
      } else {
        out.push_back(c);
      }
    }
  }
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
