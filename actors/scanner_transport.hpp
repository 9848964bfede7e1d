// The seam between the coordinator-client actor and whatever carries scan
// submissions to the scanner: the HTTP client in production, a scripted fake
// in tests.
#pragma once

#include "model/scan_outcome.hpp"
#include "model/scan_submission.hpp"

#include <functional>
#include <memory>

namespace deltascan {

/// Delivers scan submissions to the scanner asynchronously.
class scanner_transport {
public:
  /// Receives the outcome of one submission. Transports may call it from any
  /// thread, so it must not touch actor state directly.
  using completion = std::function<void(scan_outcome)>;

  virtual ~scanner_transport() = default;

  /// Starts one submission and returns without waiting for it. Calls `done`
  /// exactly once, later and possibly from another thread; a transport that
  /// shuts down completes what it still holds with a failure.
  virtual void submit(const scan_submission& submission, completion done) = 0;
};

using scanner_transport_ptr = std::shared_ptr<scanner_transport>;

} // namespace deltascan
