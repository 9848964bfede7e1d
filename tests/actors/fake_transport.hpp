// A scanner transport that does what each test tells it: it records every
// submission and completes one only when the test says so (or at once, when
// asked to), so tests decide the order of outcomes.
#pragma once

#include "actors/scanner_transport.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace deltascan::test {

class fake_transport : public scanner_transport {
public:
  struct call {
    scan_submission submission;
    completion done;
    bool completed = false;
  };

  void submit(const scan_submission& submission, completion done) override {
    calls_.push_back({submission, std::move(done)});
    if (auto_outcome_)
      complete(calls_.size() - 1, *auto_outcome_);
  }

  /// Completes every later submission at once with `outcome`.
  void complete_at_once(std::optional<scan_outcome> outcome) {
    auto_outcome_ = std::move(outcome);
  }

  /// Completes the submission with the given index (in submission order).
  void complete(std::size_t index, scan_outcome outcome) {
    auto& c = calls_.at(index);
    REQUIRE_FALSE(c.completed);
    c.completed = true;
    c.done(std::move(outcome));
  }

  /// Completes every submission not completed yet with `outcome`.
  void complete_all(const scan_outcome& outcome) {
    for (std::size_t i = 0; i < calls_.size(); ++i)
      if (!calls_[i].completed)
        complete(i, outcome);
  }

  std::size_t open_calls() const {
    std::size_t result = 0;
    for (const auto& c : calls_)
      result += c.completed ? 0 : 1;
    return result;
  }

  const std::vector<call>& calls() const { return calls_; }

  /// The digests submitted, in submission order.
  std::vector<std::string> digests() const {
    std::vector<std::string> result;
    for (const auto& c : calls_)
      result.push_back(c.submission.image_digest);
    return result;
  }

private:
  std::vector<call> calls_;
  std::optional<scan_outcome> auto_outcome_;
};

} // namespace deltascan::test
