// What a dedup shard hands the coordinator client: the submission, and the
// moment by which its batch must be answered, after which nothing more is
// tried for it.
#pragma once

#include "model/scan_submission.hpp"

#include <caf/actor_clock.hpp>

namespace deltascan {

struct scan_request {
  scan_submission submission;
  /// The batch deadline of the event that caused the submission, on the
  /// actor clock.
  caf::actor_clock::time_point deadline;
};

} // namespace deltascan
