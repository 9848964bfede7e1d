// The submission body is the scanner's whole view of a drift event: its
// shape and which metadata keys appear are part of the contract.
#include "model/scan_submission.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;

namespace {

drift_event full_event() {
  drift_event event;
  event.event_id = "evt-42";
  event.tenant = "tenant-a";
  event.node = "node-7";
  event.image_ref = "  registry/app@sha256:abc  ";
  event.baseline_image_digest = " SHA256:ABC ";
  event.changed_files_count = 3;
  event.new_binaries_count = 1;
  return event;
}

} // namespace

TEST_CASE("a full drift event becomes the exact scanner body") {
  auto submission = make_scan_submission(full_event(), "sha256:abc");
  CHECK(submission.client_request_id == "drift:evt-42");
  CHECK_FALSE(submission.force);
  CHECK(to_json(submission) ==
        R"({"image":{"reference":"registry/app@sha256:abc",)"
        R"("digest":"sha256:abc"},"force":false,)"
        R"("clientRequestId":"drift:evt-42","metadata":{)"
        R"("stellaops:trigger":"drift",)"
        R"("stellaops:drift.eventId":"evt-42",)"
        R"("stellaops:drift.tenant":"tenant-a",)"
        R"("stellaops:drift.node":"node-7",)"
        R"("stellaops:drift.baselineDigest":" SHA256:ABC ",)"
        R"("stellaops:drift.changedFilesCount":"3",)"
        R"("stellaops:drift.newBinariesCount":"1"}})");
}

TEST_CASE("optional metadata appears only when there is something to say") {
  drift_event event;
  event.event_id = "evt-1";
  event.image_ref = "registry/app@sha256:abc";
  auto submission = make_scan_submission(event, "sha256:abc");
  using entry = std::pair<std::string, std::string>;
  CHECK(submission.metadata ==
        std::vector<entry>{{"stellaops:trigger", "drift"},
                           {"stellaops:drift.eventId", "evt-1"},
                           {"stellaops:drift.tenant", ""},
                           {"stellaops:drift.node", ""}});
}

TEST_CASE("a blank baseline is still reported as received") {
  auto event = full_event();
  event.baseline_image_digest = "";
  auto submission = make_scan_submission(event, "sha256:abc");
  auto found = std::find(submission.metadata.begin(), submission.metadata.end(),
                         std::pair<std::string, std::string>{
                             "stellaops:drift.baselineDigest", ""});
  CHECK(found != submission.metadata.end());
}

TEST_CASE("a null or blank image reference is left out of the target") {
  auto event = full_event();
  event.image_ref = std::nullopt;
  CHECK_FALSE(make_scan_submission(event, "sha256:abc").image_reference);
  event.image_ref = "   ";
  auto submission = make_scan_submission(event, "sha256:abc");
  CHECK_FALSE(submission.image_reference);
  CHECK(
      to_json(submission).starts_with(R"({"image":{"digest":"sha256:abc"},)"));
}

TEST_CASE("strings are escaped in the body") {
  drift_event event;
  event.event_id = "a\"b\\c\n\x01";
  auto body = to_json(make_scan_submission(event, "sha256:abc"));
  CHECK(body.find(R"("clientRequestId":"drift:a\"b\\c\n\u0001")") !=
        std::string::npos);
}
