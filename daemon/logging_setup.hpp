// How deltascand writes its logs: to stderr, as text for people or as one
// JSON object per line for log collectors, at the configured level.
#pragma once

#include "config/daemon_config.hpp"

namespace deltascan {

/// Replaces spdlog's default logger and drops the component loggers, so the
/// ones created afterwards write in the chosen format. Call before any
/// component logs.
void configure_logging(const log_settings& settings);

/// Changes the level of every logger, e.g. after a reload.
void set_log_level(log_level level);

} // namespace deltascan
