// Named loggers per component (ingress, dedup, scanner, http, ...), so an
// operator can tell at a glance which part of the daemon speaks.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace deltascan {

/// Returns the logger of a component, creating it on first use with the
/// sinks and level of spdlog's default logger.
std::shared_ptr<spdlog::logger> component_logger(const std::string& name);

} // namespace deltascan
