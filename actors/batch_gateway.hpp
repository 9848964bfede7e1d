// The door through which the HTTP server hands batches to the actor core.
// It is deliberately free of CAF types: the server's translation units stay
// small, and tests can stand in for the core with a plain class.
#pragma once

#include "actors/error_code.hpp"
#include "model/batch_result.hpp"

#include <functional>
#include <optional>
#include <string>

namespace deltascan {

/// A batch's result, or why it was rejected.
struct batch_reply {
  std::optional<batch_result> result;
  ec error = ec::no_error;
  /// For rejections: what was wrong, e.g. the JSON path and the problem.
  std::string detail;
};

class batch_gateway {
public:
  using completion = std::function<void(batch_reply)>;

  virtual ~batch_gateway() = default;

  /// Hands a batch body to the core. Calls `done` exactly once, later, on an
  /// actor's thread: it must only pass the reply on, never block.
  virtual void post(std::string body, completion done) = 0;

  /// Asked before a batch's body is read. False, with the batch counted as
  /// refused for overload, when the core already holds as many pending
  /// drift events as it may: any batch with drift would be refused after
  /// decoding, so the server can answer without reading the body.
  /// Thread-safe.
  virtual bool admit() { return true; }
};

} // namespace deltascan
