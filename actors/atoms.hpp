// The message tags of deltascand's actors. CAF 0.17 atoms hold at most ten
// characters.
#pragma once

#include <caf/atom.hpp>

namespace deltascan {

/// Tags a raw batch body on its way into the ingress.
using ingest_atom = caf::atom_constant<caf::atom("ingest")>;

/// Tags one batch's drift events for a dedup shard.
using dedup_atom = caf::atom_constant<caf::atom("dedup")>;

/// Tags a scan submission for the coordinator client.
using submit_atom = caf::atom_constant<caf::atom("submit")>;

/// Tags the outcome a scanner transport reports for a submission.
using done_atom = caf::atom_constant<caf::atom("done")>;

/// Tags the moment a backed-off submission may be attempted again.
using retry_atom = caf::atom_constant<caf::atom("retry")>;

/// Tags the check for submissions whose batch deadline has passed.
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;

/// Tags the end of the circuit breaker's open period.
using breaker_atom = caf::atom_constant<caf::atom("breaker")>;

/// Tags the periodic clean-up of expired cooldown entries.
using purge_atom = caf::atom_constant<caf::atom("purge")>;

} // namespace deltascan
