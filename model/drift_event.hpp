// The part of a runtime event deltascand keeps when the event reports drift:
// what the digest rule and the scan submission read, nothing more. Other
// events are only counted, so none of their fields outlive decoding.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace deltascan {

struct drift_event {
  std::string event_id;
  std::optional<std::string> tenant;
  std::optional<std::string> node;
  /// `workload.imageRef`, as received.
  std::optional<std::string> image_ref;
  /// `delta.baselineImageDigest`, as received.
  std::optional<std::string> baseline_image_digest;
  std::size_t changed_files_count = 0;
  std::size_t new_binaries_count = 0;

  friend bool operator==(const drift_event&, const drift_event&) = default;
};

} // namespace deltascan
