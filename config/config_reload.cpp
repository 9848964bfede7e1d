// Tells a reload which changed settings it cannot apply, so the daemon can
// warn the operator instead of silently running with the old values.
#include "config/config_reload.hpp"

#include "config/config_keys.hpp"

namespace deltascan {

std::vector<std::string> keys_needing_restart(const daemon_config& old_cfg,
                                              const daemon_config& new_cfg) {
  std::vector<std::string> keys;
  // Each setting's text is canonical (parsed, then printed), so equal text
  // means an equal value.
  for (const auto& key : config_keys())
    if (!key.live && key.text(old_cfg) != key.text(new_cfg))
      keys.push_back(key.name);
  return keys;
}

} // namespace deltascan
