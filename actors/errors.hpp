// deltascan's error codes as CAF errors, the form in which a rejected batch
// travels back from the ingress. The error's context carries the readable
// detail (for decode errors, the JSON path and what was wrong there).
#pragma once

#include "actors/error_code.hpp"
#include "model/batch_decoder.hpp"

#include <caf/error.hpp>

#include <string>

namespace deltascan {

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

} // namespace deltascan
