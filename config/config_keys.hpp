// The catalogue of deltascand's settings: for each one, its dotted name in
// the YAML file, the environment variable that overrides it, how its text
// is checked and stored, and whether a reload applies it without restart.
// The loader, the renderer and the reload check all walk this one list, so
// a new setting is added in one place.
#pragma once

#include "config/daemon_config.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deltascan {

/// Prefix of every environment variable that overrides a setting.
inline constexpr std::string_view config_env_prefix = "DELTASCAN_";

/// How a value is written back as YAML.
enum class value_style {
  /// Double-quoted, so addresses and paths never read as another type.
  quoted,
  /// Plain: integers and booleans.
  plain,
};

/// One setting an operator can give in the file or the environment.
struct config_key {
  /// Dotted path in the YAML file, e.g. `scanner.retry.max_attempts`.
  std::string name;
  /// The overriding variable, e.g. `DELTASCAN_SCANNER_RETRY_MAX_ATTEMPTS`.
  std::string env_name;
  /// True when a reload applies a change without restarting the daemon.
  bool live = false;
  value_style style = value_style::plain;
  /// Stores the setting's text into the configuration. On bad text, leaves
  /// it unchanged and returns what was wrong, e.g.
  /// `expected an integer from 1 to 256, got "abc"` (without the key).
  std::function<std::optional<std::string>(std::string_view text,
                                           daemon_config& cfg)>
      assign;
  /// The setting's current value as text that `assign` accepts.
  std::function<std::string(const daemon_config& cfg)> text;
};

/// Every setting, grouped by section in the order the renderer writes them.
const std::vector<config_key>& config_keys();

/// The setting with dotted name `name`, or null.
const config_key* find_config_key(std::string_view name);

/// The setting overridden by environment variable `env_name`, or null.
const config_key* find_config_key_by_env(std::string_view env_name);

/// Whether `name` is a section that holds settings (`server`,
/// `scanner.retry`) rather than a setting or nothing known.
bool is_config_section(std::string_view name);

/// The dotted names of the settings and sections directly inside `section`
/// (the top level for an empty name), in catalogue order.
std::vector<std::string> config_children(std::string_view section);

/// `DELTASCAN_` followed by the dotted name uppercased, dots as `_`.
std::string env_name_for(std::string_view name);

/// `text` in double quotes for an error message, with control characters
/// escaped and overly long values shortened.
std::string quote_for_message(std::string_view text);

} // namespace deltascan
