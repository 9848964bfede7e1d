// What became of one scan submission: the scanner accepted it (and said
// which scan it queued), or it failed for a reason worth logging.
#pragma once

#include <string>

namespace deltascan {

struct scan_outcome {
  /// True when the scanner accepted the submission.
  bool accepted = false;
  /// The scanner's identifier for the queued scan; empty on failure.
  std::string scan_id;
  /// Whether the scanner created a new scan rather than reusing one.
  bool created = false;
  /// Why the submission failed; empty on success.
  std::string reason;

  static scan_outcome success(std::string scan_id, bool created) {
    return {true, std::move(scan_id), created, {}};
  }

  static scan_outcome failure(std::string reason) {
    return {false, {}, false, std::move(reason)};
  }

  friend bool operator==(const scan_outcome&, const scan_outcome&) = default;
};

} // namespace deltascan
