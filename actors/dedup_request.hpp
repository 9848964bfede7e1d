// One batch's drift events for one dedup shard: every event whose digest the
// shard owns, in batch order, with the options the batch was read under.
#pragma once

#include "model/drift_event.hpp"
#include "model/runtime_options.hpp"

#include <caf/actor_clock.hpp>

#include <string>
#include <vector>

namespace deltascan {

/// A drift event together with the image digest it was routed by.
struct routed_drift_event {
  drift_event event;
  std::string image_digest;
};

struct dedup_request {
  std::vector<routed_drift_event> events;
  /// The cooldown in force when the batch arrived; a reload that changes it
  /// applies from the next batch on.
  std::chrono::seconds cooldown{0};
  /// When the batch must be answered, on the actor clock: an event still
  /// unresolved then counts as skipped.
  caf::actor_clock::time_point deadline = caf::actor_clock::time_point::max();
};

} // namespace deltascan
