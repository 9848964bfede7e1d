// The request that asks the scanner to re-scan one drifted image, built from
// the drift event exactly as the original handler built it.
#pragma once

#include "model/drift_event.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deltascan {

/// One scan request for the scanner's `POST /api/v1/scans`.
struct scan_submission {
  /// The image reference as the workload named it, trimmed; absent when the
  /// event had none.
  std::optional<std::string> image_reference;
  /// The normalised image digest the cooldown is keyed on.
  std::string image_digest;
  /// Always false: drift asks for a scan, never forces a fresh one.
  bool force = false;
  /// `drift:<eventId>`, so the scanner can recognise a repeated request.
  std::string client_request_id;
  /// Provenance for the scanner, in insertion order.
  std::vector<std::pair<std::string, std::string>> metadata;

  friend bool operator==(const scan_submission&,
                         const scan_submission&) = default;
};

/// Builds the submission for a drift event whose digest is already known.
scan_submission make_scan_submission(const drift_event& event,
                                     std::string image_digest);

/// Encodes a submission as the JSON body the scanner receives.
std::string to_json(const scan_submission& submission);

} // namespace deltascan
