// Helpers shared by the configuration tests: YAML for one setting, finding
// a setting in a YAML document, and searching the problems a load reported.
#pragma once

#include "config/config_loader.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

namespace deltascan::test {

/// The YAML document that sets dotted `key` to the YAML text `value`, e.g.
/// `scanner.retry.max_attempts` becomes nested `scanner: retry: ...`.
inline std::string nested_yaml(std::string_view key, std::string_view value) {
  std::string yaml;
  std::string indent;
  while (true) {
    auto dot = key.find('.');
    yaml += indent + std::string{key.substr(0, dot)} + ":";
    if (dot == std::string_view::npos)
      break;
    yaml += "\n";
    indent += "  ";
    key.remove_prefix(dot + 1);
  }
  return yaml + " " + std::string{value} + "\n";
}

/// The node a dotted setting name leads to in a YAML document; an undefined
/// node when a section or the setting is missing. Recursion rather than
/// reassigning one Node, because yaml-cpp's assignment writes into the tree.
inline YAML::Node find_setting(const YAML::Node& node, std::string_view name) {
  auto dot = name.find('.');
  const YAML::Node child = node[std::string{name.substr(0, dot)}];
  if (dot == std::string_view::npos || !child.IsDefined())
    return child;
  return find_setting(child, name.substr(dot + 1));
}

/// Whether any of `messages` contains `part`.
inline bool any_contains(const std::vector<std::string>& messages,
                         std::string_view part) {
  for (const auto& message : messages)
    if (message.find(part) != std::string::npos)
      return true;
  return false;
}

/// All messages on one line each, for Catch's INFO.
inline std::string joined(const std::vector<std::string>& messages) {
  std::string result;
  for (const auto& message : messages)
    result += "\n  " + message;
  return result;
}

} // namespace deltascan::test
