// The typed interfaces of deltascand's actors. A batch flows
// ingress -> dedup shards -> coordinator client -> scanner transport, and
// results flow back the same way as replies.
#pragma once

#include "actors/atoms.hpp"
#include "actors/batch_callback.hpp"
#include "actors/message_types.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace deltascan {

/// Decodes batches and answers with what happened to their drift events.
using ingress_actor = caf::typed_actor<
    // Decodes a batch body, routes its drift events to their shards and
    // replies once every one of them is resolved, or with a decode error.
    caf::replies_to<ingest_atom, std::string>::with<batch_result>,
    // The same for callers outside the actor system: the result goes to the
    // callback instead of a reply.
    caf::reacts_to<ingest_atom, std::string, batch_callback>>;

/// Owns the cooldown state of the digests hashed to it.
using dedup_shard_actor = caf::typed_actor<
    // Decides trigger, skip or dedup for one batch's events of this shard and
    // replies with the counts once every submission among them finished.
    caf::replies_to<dedup_atom, dedup_request>::with<drift_counts>,
    // Forgets digests whose cooldown expired long ago.
    caf::reacts_to<purge_atom>>;

/// Hands submissions to the scanner transport, a bounded number at a time,
/// retries them, and fails them fast while the scanner is known to be down.
using scan_coordinator_actor = caf::typed_actor<
    // Submits a scan and replies with its final outcome, at the latest at
    // the request's deadline; failures are outcomes too.
    caf::replies_to<submit_atom, scan_request>::with<scan_outcome>,
    // Receives a transport's completion for the attempt with this id.
    caf::reacts_to<done_atom, std::uint64_t, scan_outcome>,
    // Its own timers: a backed-off submission's next attempt, deadlines,
    // and the end of the breaker's open period.
    caf::reacts_to<retry_atom, std::uint64_t>, caf::reacts_to<deadline_atom>,
    caf::reacts_to<breaker_atom>>;

} // namespace deltascan
