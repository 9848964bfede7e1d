// The effective configuration as YAML, section by section in the order of
// the settings catalogue.
#include "config/config_render.hpp"

#include "config/config_keys.hpp"

#include <yaml-cpp/yaml.h>

namespace deltascan {

namespace {

void emit_section(YAML::Emitter& out, const daemon_config& cfg,
                  const std::string& section) {
  out << YAML::BeginMap;
  for (const auto& child : config_children(section)) {
    auto dot = child.rfind('.');
    out << YAML::Key
        << (dot == std::string::npos ? child : child.substr(dot + 1))
        << YAML::Value;
    if (const auto* key = find_config_key(child)) {
      // Quoting keeps `[::1]:8080` from reading as a list and a path such
      // as `yes` from reading as a switch.
      if (key->style == value_style::quoted)
        out << YAML::DoubleQuoted;
      out << key->text(cfg);
    } else {
      emit_section(out, cfg, child);
    }
  }
  out << YAML::EndMap;
}

} // namespace

std::string render_config(const daemon_config& cfg) {
  YAML::Emitter out;
  emit_section(out, cfg, "");
  return std::string{out.c_str()} + "\n";
}

} // namespace deltascan
