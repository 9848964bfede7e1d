// Builds deltascand's configuration from its defaults, an optional YAML
// file and DELTASCAN_* environment variables, and reports every problem
// found at once so an operator fixes a broken deployment in one round.
#pragma once

#include "config/daemon_config.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deltascan {

/// Environment variables by name. Passed in rather than read from the
/// process so that tests never touch the real environment.
using environment_map = std::map<std::string, std::string>;

/// The environment of this process.
environment_map process_environment();

/// The outcome of loading: a configuration when nothing was wrong.
struct config_result {
  /// Set exactly when `errors` is empty.
  std::optional<daemon_config> config;
  /// Every problem found, each naming the key (or variable) and what was
  /// wrong, e.g. `server.listn: unknown key (did you mean server.listen?)`.
  std::vector<std::string> errors;
  /// Problems that were tolerated, such as an unknown DELTASCAN_ variable.
  std::vector<std::string> warnings;

  bool ok() const { return config.has_value(); }
};

/// Defaults, overridden by the YAML file at `path` (when given), overridden
/// by the `DELTASCAN_<KEY>` variables in `env`. Never throws.
config_result load_config(const std::optional<std::string>& path,
                          const environment_map& env);

/// Like `load_config`, with the YAML document given as text; `source_name`
/// names it in messages (a file path, or e.g. "<reload>").
config_result load_config_text(std::string_view yaml,
                               std::string_view source_name,
                               const environment_map& env);

} // namespace deltascan
