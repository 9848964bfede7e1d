// The digest rule decides which image a drift event is about; every
// spelling observers send for one image must map to the same digest.
#include "model/image_digest.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;

namespace {

drift_event with(std::optional<std::string> baseline,
                 std::optional<std::string> image_ref) {
  drift_event event;
  event.event_id = "evt-1";
  event.baseline_image_digest = std::move(baseline);
  event.image_ref = std::move(image_ref);
  return event;
}

} // namespace

TEST_CASE("the baseline digest wins, trimmed and lowercased") {
  CHECK(image_digest(with("  SHA256:ABCDEF  ", "repo@sha256:0000")) ==
        "sha256:abcdef");
}

TEST_CASE("a baseline digest of any algorithm is taken as it is") {
  CHECK(image_digest(with("sha512:FF", std::nullopt)) == "sha512:ff");
}

TEST_CASE("a blank baseline falls back to the image reference") {
  CHECK(image_digest(with("   ", "registry/app@sha256:AbC")) == "sha256:abc");
  CHECK(image_digest(with("", "registry/app@sha256:abc")) == "sha256:abc");
  CHECK(image_digest(with(std::nullopt, " registry/app@ sha256:abc ")) ==
        "sha256:abc");
}

TEST_CASE("the part after the last @ of the reference is the digest") {
  CHECK(image_digest(with(std::nullopt, "reg@x/app@sha256:ab")) == "sha256:ab");
  CHECK(image_digest(with(std::nullopt, "registry:5000/app:1.2@SHA256:AB")) ==
        "sha256:ab");
}

TEST_CASE("references without a sha256 digest give no digest") {
  CHECK_FALSE(image_digest(with(std::nullopt, "registry/app:1.2")));
  CHECK_FALSE(image_digest(with(std::nullopt, "registry/app@sha512:ab")));
  CHECK_FALSE(image_digest(with(std::nullopt, "registry/app@")));
  CHECK_FALSE(image_digest(with(std::nullopt, "registry/app@   ")));
  CHECK_FALSE(image_digest(with(std::nullopt, std::nullopt)));
  CHECK_FALSE(image_digest(with("  ", "   ")));
  CHECK_FALSE(image_digest(with(std::nullopt, "sha256:abc")));
}
