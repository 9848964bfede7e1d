// Writes the configuration deltascand runs with as YAML, for `--print-config`
// style diagnostics and for logging what a reload changed. The token's
// path may appear; the token itself is never read here.
#pragma once

#include "config/daemon_config.hpp"

#include <string>

namespace deltascan {

/// Every setting, in every section, as a YAML document that `load_config`
/// reads back to an equal configuration.
std::string render_config(const daemon_config& cfg);

} // namespace deltascan
