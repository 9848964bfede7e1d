// Which image a drift event is about. The cooldown and the scan target are
// keyed on this digest, so two spellings of one image must agree.
#pragma once

#include "model/drift_event.hpp"

#include <optional>
#include <string>

namespace deltascan {

/// The normalised digest of the image a drift event reports on:
/// - `delta.baselineImageDigest`, trimmed and lowercased, when non-blank;
/// - otherwise the part of `workload.imageRef` after its last `@`, trimmed
///   and lowercased, when it starts with `sha256:`;
/// - otherwise none: the event cannot be scanned.
std::optional<std::string> image_digest(const drift_event& event);

} // namespace deltascan
