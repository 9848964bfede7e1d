#include "model/scan_submission.hpp"

#include "model/json_writer.hpp"
#include "model/text.hpp"

namespace deltascan {

scan_submission make_scan_submission(const drift_event& event,
                                     std::string image_digest) {
  scan_submission result;
  if (event.image_ref) {
    auto reference = trim(*event.image_ref);
    if (!reference.empty())
      result.image_reference = std::string{reference};
  }
  result.image_digest = std::move(image_digest);
  result.client_request_id = "drift:" + event.event_id;
  auto& meta = result.metadata;
  meta.reserve(7);
  meta.emplace_back("stellaops:trigger", "drift");
  meta.emplace_back("stellaops:drift.eventId", event.event_id);
  // The metadata map holds strings only; an event without tenant or node
  // reports them as empty rather than dropping the key.
  meta.emplace_back("stellaops:drift.tenant", event.tenant.value_or(""));
  meta.emplace_back("stellaops:drift.node", event.node.value_or(""));
  if (event.baseline_image_digest)
    meta.emplace_back("stellaops:drift.baselineDigest",
                      *event.baseline_image_digest);
  if (event.changed_files_count > 0)
    meta.emplace_back("stellaops:drift.changedFilesCount",
                      std::to_string(event.changed_files_count));
  if (event.new_binaries_count > 0)
    meta.emplace_back("stellaops:drift.newBinariesCount",
                      std::to_string(event.new_binaries_count));
  return result;
}

std::string to_json(const scan_submission& submission) {
  std::string out;
  out.reserve(512);
  json_object_writer writer{out};
  writer.begin_object("image");
  if (submission.image_reference)
    writer.string("reference", *submission.image_reference);
  writer.string("digest", submission.image_digest);
  writer.end_object();
  writer.boolean("force", submission.force);
  writer.string("clientRequestId", submission.client_request_id);
  writer.begin_object("metadata");
  for (const auto& [key, value] : submission.metadata)
    writer.string(key, value);
  writer.end_object();
  writer.finish();
  return out;
}

} // namespace deltascan
