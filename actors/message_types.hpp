// deltascand's actors run in one process and never talk over CAF's network
// layer, so the structs they exchange need no serialization. CAF 0.17 still
// asks every message type to be inspectable; these declarations state that
// the types stay local.
#pragma once

#include "actors/dedup_request.hpp"
#include "actors/scan_request.hpp"
#include "model/batch_result.hpp"
#include "model/scan_outcome.hpp"
#include "model/scan_submission.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(deltascan::batch_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(deltascan::dedup_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(deltascan::drift_counts)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(deltascan::scan_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(deltascan::scan_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(deltascan::scan_submission)
