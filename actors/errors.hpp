// Why the actor core could not produce a batch result. The HTTP layer maps
// each code to a status; the error's context carries the human-readable
// detail (for decode errors, the JSON path and what was wrong there).
#pragma once

#include "model/batch_decoder.hpp"

#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace deltascan {

enum class ec : std::uint8_t {
  no_error,
  /// The body is not JSON or has trailing content.
  malformed_batch,
  /// A field has the wrong type, is missing, or holds an unusable value.
  invalid_batch,
  /// The batch carries more events than the configured maximum.
  batch_too_large,
  /// An actor of the core failed while handling the batch.
  internal,
};

/// The category under which deltascan's errors travel in CAF messages.
inline constexpr caf::atom_value error_category = caf::atom("deltascan");

caf::error make_error(ec code, std::string detail);

/// Required by CAF's `error` converting constructor; prefer the overload
/// with a detail.
caf::error make_error(ec code);

/// The error that rejects a batch the decoder refused.
caf::error make_error(const decode_error& err);

/// The detail string an error was made with, or a rendering of the error
/// when it carries none.
std::string error_detail(const caf::error& err);

/// The error code, when `err` belongs to deltascan's category.
ec error_code(const caf::error& err);

const char* to_string(ec code);

} // namespace deltascan
