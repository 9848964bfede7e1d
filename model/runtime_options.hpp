// The operator's switches for automatic re-scans on drift. They are read
// afresh for every batch, so a configuration reload changes how the next
// batch is handled without a restart.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

namespace deltascan {

/// Whether drift triggers scans, and how long a triggered image stays quiet.
struct runtime_options {
  /// When false, drift events are counted as skipped and nothing is sent.
  bool auto_scan_enabled = true;
  /// A second drift of the same image within this window is deduplicated.
  /// Zero disables deduplication.
  std::chrono::seconds auto_scan_cooldown{300};

  friend bool operator==(const runtime_options&,
                         const runtime_options&) = default;
};

/// The current runtime options, shared between the thread that reloads the
/// configuration and the actors that read it once per batch.
class live_runtime_options {
public:
  live_runtime_options() = default;

  explicit live_runtime_options(runtime_options initial) : current_{initial} {
    // nop
  }

  runtime_options load() const {
    std::lock_guard guard{mutex_};
    return current_;
  }

  void store(runtime_options next) {
    std::lock_guard guard{mutex_};
    current_ = next;
  }

private:
  mutable std::mutex mutex_;
  runtime_options current_;
};

using live_runtime_options_ptr = std::shared_ptr<live_runtime_options>;

} // namespace deltascan
