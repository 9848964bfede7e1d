// Turns the body an observer posted into a runtime batch: the batch id, how
// many events it carried, and the drift events deltascand acts on. Decoding
// is strict: anything malformed or of the wrong type rejects the whole batch
// with the JSON path of the offending element, because acting on half a
// batch would silently lose the rest.
#pragma once

#include "model/drift_event.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace deltascan {

/// A decoded batch: everything later stages need, nothing they don't.
struct runtime_batch {
  std::optional<std::string> batch_id;
  std::size_t events_received = 0;
  /// The drift events, in batch order.
  std::vector<drift_event> drift_events;
};

enum class decode_errc {
  none,
  /// Not JSON, or JSON followed by trailing content.
  malformed_json,
  /// A known field holds a value of the wrong JSON type.
  wrong_type,
  /// A required field is absent.
  missing_field,
  /// A field has the right type but a value that cannot be used.
  invalid_value,
  /// The batch carries more events than the configured maximum.
  too_many_events,
};

/// Why a batch was rejected; converts to true when there is an error, so
/// `if (auto err = decoder.decode(...))` reads naturally.
struct decode_error {
  decode_errc code = decode_errc::none;
  /// The JSON path of the offending element, e.g.
  /// `events[3].event.delta.changedFiles`; `$` for the document itself.
  std::string path;
  std::string message;

  explicit operator bool() const { return code != decode_errc::none; }

  /// `<path>: <message>`, the form problem details and logs show.
  std::string to_string() const;
};

struct decode_limits {
  /// Batches with more events are rejected as a whole.
  std::size_t max_events = 10'000;
};

/// Decodes batches one after another, reusing its parser's buffers. Not
/// thread-safe: give each thread or actor its own.
class batch_decoder {
public:
  explicit batch_decoder(decode_limits limits = {});
  ~batch_decoder();
  batch_decoder(batch_decoder&&) noexcept;
  batch_decoder& operator=(batch_decoder&&) noexcept;

  /// Decodes `body` into `out`. May grow `body`'s capacity: the parser reads
  /// a few bytes past the end of its input.
  decode_error decode(std::string& body, runtime_batch& out);

  /// The simdjson kernel in use, e.g. "haswell"; chosen per CPU.
  const char* kernel_name() const;

  const decode_limits& limits() const { return limits_; }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  decode_limits limits_;
};

} // namespace deltascan
