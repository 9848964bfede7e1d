// How code outside the actor system (the HTTP server's threads) gets a batch
// result without blocking: it sends the batch with a callback, and the
// ingress calls it once the batch is resolved.
#pragma once

#include "model/batch_result.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>

#include <functional>

namespace deltascan {

/// Receives a batch's result or the error that rejected it. The ingress
/// calls it on its own thread, so it must only hand the result on (e.g.
/// post it to an I/O strand), never block or touch actor state.
struct batch_callback {
  std::function<void(caf::expected<batch_result>)> on_result;
};

} // namespace deltascan

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(deltascan::batch_callback)
