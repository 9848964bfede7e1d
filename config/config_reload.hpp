// What a configuration reload can and cannot change while deltascand runs:
// runtime options (whether drift triggers scans, the cooldown), the log
// level and the scanner token apply at once; everything else, such as the
// listen address or the dedup shard count, needs a restart.
#pragma once

#include "config/daemon_config.hpp"

#include <string>
#include <vector>

namespace deltascan {

/// The dotted names of the settings that differ between `old_cfg` and
/// `new_cfg` but only take effect after a restart, in catalogue order.
std::vector<std::string> keys_needing_restart(const daemon_config& old_cfg,
                                              const daemon_config& new_cfg);

} // namespace deltascan
