// The kinds of runtime event an observer reports. Only drift leads to scans;
// the others are recognised so logs and counts can name them.
#pragma once

#include <string_view>

namespace deltascan {

enum class event_kind {
  unknown,
  drift,
  container_start,
  container_stop,
  policy_violation,
  attestation_status,
};

/// Parses a kind the way observers spell it: case-insensitive, underscores
/// ignored (`Drift`, `DRIFT`, `container_start`, `ContainerStart`). An
/// unrecognised kind is `event_kind::unknown`, not an error: observers add
/// kinds faster than daemons are upgraded.
event_kind parse_event_kind(std::string_view text);

} // namespace deltascan
