// Why the actor core could not produce a batch result. The HTTP layer maps
// each code to a status; this header stays free of CAF so that layer can
// use it without the actor framework's headers.
#pragma once

#include <cstdint>

namespace deltascan {

enum class ec : std::uint8_t {
  no_error,
  /// The body is not JSON or has trailing content.
  malformed_batch,
  /// A field has the wrong type, is missing, or holds an unusable value.
  invalid_batch,
  /// The batch carries more events than the configured maximum.
  batch_too_large,
  /// Taking the batch would exceed the drift events the core may hold.
  overloaded,
  /// An actor of the core failed while handling the batch.
  internal,
};

} // namespace deltascan
