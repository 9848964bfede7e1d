// Observers spell kinds in several casings; all of them must be understood.
#include "model/event_kind.hpp"

#include <catch2/catch.hpp>

using namespace deltascan;

TEST_CASE("known kinds parse in any casing, underscores ignored") {
  CHECK(parse_event_kind("ContainerStart") == event_kind::container_start);
  CHECK(parse_event_kind("CONTAINER_STOP") == event_kind::container_stop);
  CHECK(parse_event_kind("policy_violation") == event_kind::policy_violation);
  CHECK(parse_event_kind("attestationStatus") ==
        event_kind::attestation_status);
  CHECK(parse_event_kind("dRiFt") == event_kind::drift);
}

TEST_CASE("anything else is an unknown kind") {
  CHECK(parse_event_kind("") == event_kind::unknown);
  CHECK(parse_event_kind("drifts") == event_kind::unknown);
  CHECK(parse_event_kind("drif") == event_kind::unknown);
  CHECK(parse_event_kind("drift ") == event_kind::unknown);
  CHECK(parse_event_kind("___") == event_kind::unknown);
}
