// Reads a batch with simdjson's on-demand parser, validating every element
// and naming the JSON path of the first problem.
#pragma once

#include "model/batch_decoder.hpp"

#include <simdjson.h>

#include <string>

namespace deltascan::detail {

/// Decodes `body` (padded by the caller) into `out`, or returns the first
/// problem with its path.
decode_error read_batch_strictly(simdjson::ondemand::parser& parser,
                                 std::string& body, const decode_limits& limits,
                                 runtime_batch& out);

} // namespace deltascan::detail
