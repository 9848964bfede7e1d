// How deltascand writes its logs: to stderr, as text for people or as one
// JSON object per line for log collectors, at the configured level; in
// blocks when stderr is not a terminal.
#pragma once

#include "config/daemon_config.hpp"

namespace deltascan {

/// Replaces spdlog's default logger and drops the component loggers, so the
/// ones created afterwards write in the chosen format. Call before any
/// component logs. Starts spdlog's flusher thread, which inherits the
/// caller's signal mask.
void configure_logging(const log_settings& settings);

/// Writes every buffered line now, e.g. once the daemon listens (scripts
/// wait for that line) or before it exits.
void flush_logs();

/// Changes the level of every logger, e.g. after a reload.
void set_log_level(log_level level);

} // namespace deltascan
