// Generates the benchmark corpus: runtime event batches shaped like what a
// node's observer posts (every kind of event, every field a real observer
// fills in), with drift events about images drawn by Zipf popularity or
// never repeated. Draws come from std::mt19937_64 through our own uniform
// and Zipf code, because std:: distributions differ between standard
// libraries and the bytes must not.
#include "benchmarks/corpus.hpp"

#include "model/image_digest.hpp"
#include "model/json_writer.hpp"
#include "model/scan_submission.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace deltascan::bench {

namespace {

// -- deterministic draws ------------------------------------------------------

/// A bijection on 64-bit integers that scatters its input (the finaliser of
/// splitmix64): distinct inputs give distinct outputs.
constexpr std::uint64_t scatter(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// Uniform draws whose results depend only on the engine's output sequence,
/// which the standard fixes for mt19937_64.
class draws {
public:
  explicit draws(std::uint64_t seed) : engine_{seed} {
    // nop
  }

  std::uint64_t bits() { return engine_(); }

  /// Uniform in [0, n), n > 0, without modulo bias: values below 2^64 mod n
  /// are redrawn so every residue has the same number of preimages.
  std::uint64_t below(std::uint64_t n) {
    auto threshold = (0 - n) % n;
    for (;;) {
      auto x = engine_();
      if (x >= threshold)
        return x % n;
    }
  }

  /// Uniform in [lo, hi].
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) {
    return lo + below(hi - lo + 1);
  }

  /// Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[below(N)];
  }

private:
  std::mt19937_64 engine_;
};

/// Image ranks 0..n-1 drawn with weight 1/(rank+1)^s, by inverting the
/// cumulative distribution with a binary search.
class zipf_table {
public:
  zipf_table(std::size_t n, double s)
      : cumulative_(std::max<std::size_t>(n, 1)) {
    double total = 0;
    for (std::size_t k = 0; k < cumulative_.size(); ++k) {
      // The default s = 1 avoids pow, so the table cannot depend on how a
      // libm rounds it.
      auto rank = static_cast<double>(k + 1);
      total += s == 1.0 ? 1.0 / rank : 1.0 / std::pow(rank, s);
      cumulative_[k] = total;
    }
    for (auto& c : cumulative_)
      c /= total;
  }

  std::size_t draw(draws& d) const {
    auto u = d.unit();
    auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    if (it == cumulative_.end())
      return cumulative_.size() - 1;
    return static_cast<std::size_t>(it - cumulative_.begin());
  }

private:
  std::vector<double> cumulative_;
};

// -- digests and names --------------------------------------------------------

constexpr std::uint64_t popular_domain = 0x706f70756c617221ULL;
constexpr std::uint64_t unique_domain = 0x756e697175652121ULL;

void append_hex(std::string& out, std::uint64_t value, int digits) {
  static constexpr char hex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out.push_back(hex[(value >> shift) & 0xf]);
}

// The first 64 bits are a bijection of `index` for a given seed and domain,
// which makes digests of one domain distinct; the domain also enters the
// second word, which keeps the two domains apart.
std::string digest_hex(std::uint64_t domain, std::uint64_t seed,
                       std::uint64_t index) {
  std::string out;
  out.reserve(64);
  auto word = scatter(index ^ scatter(seed ^ domain));
  append_hex(out, word, 16);
  word = scatter(word ^ domain ^ 0x9e3779b97f4a7c15ULL);
  append_hex(out, word, 16);
  for (int i = 0; i < 2; ++i) {
    word = scatter(word + 0x9e3779b97f4a7c15ULL);
    append_hex(out, word, 16);
  }
  return out;
}

void append_random_hex(std::string& out, draws& d, int digits) {
  for (; digits > 0; digits -= 16)
    append_hex(out, d.bits(), std::min(digits, 16));
}

constexpr std::array<std::string_view, 5> registries{
    "registry.example.com", "ghcr.io", "quay.io",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "europe-west1-docker.pkg.dev"};
constexpr std::array<std::string_view, 8> tenants{
    "payments",    "checkout", "identity", "search",
    "ml-platform", "data-eng", "edge",     "observability"};
constexpr std::array<std::string_view, 16> apps{
    "api",      "worker",   "gateway", "scheduler",    "indexer",  "billing",
    "auth",     "frontend", "cache",   "ingest",       "reporter", "notifier",
    "exporter", "resolver", "ledger",  "session-store"};
constexpr std::array<std::string_view, 3> stages{"prod", "staging", "canary"};
constexpr std::array<std::string_view, 4> owner_kinds{
    "Deployment", "StatefulSet", "DaemonSet", "Job"};
constexpr std::array<std::string_view, 10> libraries{
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/x86_64-linux-gnu/libpthread.so.0",
    "/lib/x86_64-linux-gnu/libm.so.6",
    "/lib/x86_64-linux-gnu/libdl.so.2",
    "/usr/lib/x86_64-linux-gnu/libssl.so.3",
    "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
    "/lib/x86_64-linux-gnu/libz.so.1",
    "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
    "/lib/x86_64-linux-gnu/libgcc_s.so.1",
    "/lib/ld-musl-x86_64.so.1"};
constexpr std::array<std::string_view, 12> changed_paths{
    "/usr/local/bin/xmrig",
    "/etc/ld.so.preload",
    "/tmp/.x/kworkerd",
    "/etc/passwd",
    "/root/.ssh/authorized_keys",
    "/usr/bin/curl",
    "/var/tmp/.cache/upd",
    "/etc/cron.d/sync",
    "/usr/local/lib/libprocesshider.so",
    "/opt/app/config/override.yaml",
    "/dev/shm/.s",
    "/usr/sbin/sshd"};
constexpr std::array<std::string_view, 6> binary_paths{
    "/usr/local/bin/xmrig", "/tmp/.x/kworkerd", "/var/tmp/.cache/upd",
    "/usr/bin/curl",        "/dev/shm/.s",      "/usr/sbin/sshd"};
constexpr std::array<std::string_view, 4> policy_rules{
    "deny-shell-in-prod", "deny-privilege-escalation",
    "require-readonly-rootfs", "deny-host-network"};

/// What an image is, derived from its digest index alone so every event
/// about one image names the same repository.
struct image_profile {
  std::string repository; // registry/namespace/app
  std::string_view app;
  std::string_view tenant;
  std::string_view stage;
  std::string_view owner_kind;
  unsigned entrypoint_style = 0;
};

image_profile profile_of(std::uint64_t seed, std::uint64_t domain,
                         std::uint64_t index) {
  auto h = scatter(index ^ scatter(seed ^ domain ^ 0x50524f46ULL));
  image_profile p;
  p.tenant = tenants[h % tenants.size()];
  p.app = apps[(h >> 8) % apps.size()];
  p.stage = stages[(h >> 16) % stages.size()];
  p.owner_kind = owner_kinds[(h >> 24) % owner_kinds.size()];
  p.entrypoint_style = static_cast<unsigned>((h >> 32) % 5);
  p.repository = std::string{registries[(h >> 40) % registries.size()]};
  p.repository += '/';
  p.repository += p.tenant;
  p.repository += '/';
  p.repository += p.app;
  return p;
}

/// `2026-12-03T10:00:00.000Z` plus `ms` milliseconds, in RFC 3339.
std::string timestamp(std::uint64_t ms) {
  using namespace std::chrono;
  auto base = sys_days{year{2026} / 12 / 3} + hours{10};
  auto t = base + milliseconds{ms};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss clock{floor<milliseconds>(t - day)};
  char text[32];
  std::snprintf(
      text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()), static_cast<int>(clock.hours().count()),
      static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()),
      static_cast<int>(clock.subseconds().count()));
  return text;
}

std::string uuid(draws& d) {
  auto hi = d.bits();
  auto lo = d.bits();
  // Version 4, RFC 4122 variant, like the ids observers generate.
  hi = (hi & ~0xf000ULL) | 0x4000ULL;
  lo = (lo & ~(3ULL << 62)) | (2ULL << 62);
  std::string out;
  out.reserve(36);
  append_hex(out, hi >> 32, 8);
  out += '-';
  append_hex(out, (hi >> 16) & 0xffff, 4);
  out += '-';
  append_hex(out, hi & 0xffff, 4);
  out += '-';
  append_hex(out, lo >> 48, 4);
  out += '-';
  append_hex(out, lo & 0xffffffffffffULL, 12);
  return out;
}

// -- JSON output --------------------------------------------------------------

/// Compact JSON with commas handled; an empty key means an array element.
class json_out {
public:
  explicit json_out(std::string& out) : out_{out} {
    // nop
  }

  json_out& open_object(std::string_view name = {}) {
    key(name);
    out_ += '{';
    first_.push_back(true);
    return *this;
  }

  json_out& open_array(std::string_view name = {}) {
    key(name);
    out_ += '[';
    first_.push_back(true);
    return *this;
  }

  json_out& close_object() { return close('}'); }
  json_out& close_array() { return close(']'); }

  json_out& string(std::string_view name, std::string_view value) {
    key(name);
    append_json_string(out_, value);
    return *this;
  }

  json_out& number(std::string_view name, std::uint64_t value) {
    key(name);
    out_ += std::to_string(value);
    return *this;
  }

  json_out& boolean(std::string_view name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
    return *this;
  }

  /// Offset of the 64 hex digits that end the string value just written.
  std::size_t trailing_hex_offset() const { return out_.size() - 1 - 64; }

private:
  void key(std::string_view name) {
    if (!first_.empty()) {
      if (!first_.back())
        out_ += ',';
      first_.back() = false;
    }
    if (!name.empty()) {
      append_json_string(out_, name);
      out_ += ':';
    }
  }

  json_out& close(char bracket) {
    out_ += bracket;
    first_.pop_back();
    return *this;
  }

  std::string& out_;
  std::vector<bool> first_;
};

// -- events -------------------------------------------------------------------

enum class kind { drift, start, stop, policy, attestation };

std::string_view kind_name(kind k) {
  switch (k) {
  case kind::drift:
    return "Drift";
  case kind::start:
    return "ContainerStart";
  case kind::stop:
    return "ContainerStop";
  case kind::policy:
    return "PolicyViolation";
  case kind::attestation:
    return "AttestationStatus";
  }
  return "Unknown";
}

/// The image an event is about: its profile and digest hex.
struct image_choice {
  image_profile profile;
  std::string hex;
};

class generator {
public:
  explicit generator(const corpus_options& options)
      : options_{options}, draws_{options.seed}, zipf_{options.distinct_digests,
                                                       options.zipf_exponent},
        next_unique_{options.first_unique_index} {
    // nop
  }

  corpus run() {
    corpus result;
    result.batches.reserve(options_.batches);
    std::unordered_set<std::string> seen;
    for (std::size_t b = 0; b < options_.batches; ++b) {
      result.batches.push_back(batch(b, result));
      for (const auto& use : result.batches.back().digests)
        if (seen.insert(use.digest).second)
          result.drift_digests.push_back(use.digest);
    }
    result.next_unique_index = next_unique_;
    return result;
  }

private:
  request_body batch(std::size_t index, corpus& result) {
    auto n = options_.events_per_batch;
    auto fraction = std::clamp(options_.drift_fraction, 0.0, 1.0);
    auto drift_count = static_cast<std::size_t>(
        std::llround(fraction * static_cast<double>(n)));
    // Which positions are drift events: a partial Fisher-Yates shuffle.
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i)
      order[i] = i;
    std::vector<bool> is_drift(n, false);
    for (std::size_t i = 0; i < drift_count; ++i) {
      auto j = i + draws_.below(n - i);
      std::swap(order[i], order[j]);
      is_drift[order[i]] = true;
    }
    request_body body;
    body.events = n;
    body.drift_events = drift_count;
    body.json.reserve(n * 1500 + 64);
    json_out out{body.json};
    out.open_object();
    out.string("batchId", "bench-s" + std::to_string(options_.seed) + "-b" +
                              std::to_string(index));
    out.open_array("events");
    for (std::size_t i = 0; i < n; ++i) {
      auto k = is_drift[i] ? kind::drift : other_kind();
      event(out, k, body, result);
    }
    out.close_array();
    out.close_object();
    return body;
  }

  kind other_kind() {
    auto roll = draws_.below(100);
    if (roll < 35)
      return kind::start;
    if (roll < 65)
      return kind::stop;
    if (roll < 85)
      return kind::policy;
    return kind::attestation;
  }

  image_choice choose_image(kind k) {
    if (k == kind::drift && options_.unique_digests) {
      auto index = next_unique_++;
      return {profile_of(options_.seed, unique_domain, index),
              digest_hex(unique_domain, options_.seed, index)};
    }
    auto rank = zipf_.draw(draws_);
    return {profile_of(options_.seed, popular_domain, rank),
            digest_hex(popular_domain, options_.seed, rank)};
  }

  void event(json_out& out, kind k, request_body& body, corpus& result) {
    auto image = choose_image(k);
    const auto& p = image.profile;
    auto digest = "sha256:" + image.hex;
    auto image_ref = p.repository + "@" + digest;
    auto node = "ip-10-0-" + std::to_string(draws_.below(32)) + "-" +
                std::to_string(draws_.between(2, 254)) +
                ".eu-west-1.compute.internal";
    auto event_id = uuid(draws_);
    auto tenant = std::string{p.tenant};
    auto k8s_namespace = std::string{p.tenant} + "-" + std::string{p.stage};
    auto app = std::string{p.app};
    digest_use use{digest, {}};
    out.open_object();
    out.string("schemaVersion", "zastava.runtime.event@v1");
    out.open_object("event");
    out.string("eventId", event_id);
    out.string("when", timestamp(clock_ms_ += draws_.between(1, 6)));
    out.string("kind", kind_name(k));
    out.string("tenant", tenant);
    out.string("node", node);
    out.open_object("runtime");
    if (draws_.below(4) == 0)
      out.string("engine", "cri-o").string("version", "1.28.2");
    else
      out.string("engine", "containerd").string("version", "1.7.13");
    out.close_object();
    // workload
    out.open_object("workload");
    out.string("platform", "kubernetes");
    out.string("namespace", k8s_namespace);
    std::string pod = app + "-";
    append_random_hex(pod, draws_, 9);
    pod += '-';
    append_random_hex(pod, draws_, 5);
    out.string("pod", pod);
    out.string("container", app);
    std::string container_id = "containerd://";
    append_random_hex(container_id, draws_, 64);
    out.string("containerId", container_id);
    out.string("imageRef", image_ref);
    use.hex_offsets.push_back(out.trailing_hex_offset());
    out.open_object("owner")
        .string("kind", p.owner_kind)
        .string("name", app)
        .close_object();
    out.close_object();
    process(out, p);
    loaded_libraries(out);
    out.open_object("posture")
        .boolean("imageSigned", draws_.below(10) < 8)
        .string("sbomReferrer", draws_.below(10) < 7 ? "present" : "absent")
        .close_object();
    drift_event decoded;
    if (k == kind::drift) {
      out.open_object("delta");
      out.string("baselineImageDigest", digest);
      use.hex_offsets.push_back(out.trailing_hex_offset());
      decoded.changed_files_count = changed_files(out);
      decoded.new_binaries_count = new_binaries(out);
      out.close_object();
    }
    evidence(out, k);
    out.open_object("annotations")
        .string("observer", "zastava-observer/1.4.2")
        .string("cluster", "prod-eu-west-1");
    if (k == kind::policy)
      out.string("policy", draws_.pick(policy_rules));
    out.close_object();
    out.close_object();
    out.close_object();
    if (k == kind::drift) {
      decoded.event_id = std::move(event_id);
      decoded.tenant = std::move(tenant);
      decoded.node = std::move(node);
      decoded.image_ref = std::move(image_ref);
      decoded.baseline_image_digest = digest;
      result.drift_events.push_back(std::move(decoded));
      body.digests.push_back(std::move(use));
    }
  }

  void process(json_out& out, const image_profile& p) {
    auto app = std::string{p.app};
    out.open_object("process");
    out.number("pid", draws_.between(1, 4'194'304));
    out.open_array("entrypoint");
    switch (p.entrypoint_style) {
    case 0:
      out.string({}, "/usr/local/bin/" + app)
          .string({}, "--config")
          .string({}, "/etc/" + app + "/config.yaml");
      break;
    case 1:
      out.string({}, "/bin/sh")
          .string({}, "-c")
          .string({}, "exec /app/" + app + " serve --port 8080");
      break;
    case 2:
      out.string({}, "java")
          .string({}, "-jar")
          .string({}, "/opt/" + app + "/" + app + ".jar");
      break;
    case 3:
      out.string({}, "python3").string({}, "-m").string({}, app + ".main");
      break;
    default:
      out.string({}, "node").string({}, "/srv/" + app + "/server.js");
      break;
    }
    out.close_array();
    out.open_array("entryTrace");
    // Most workloads exec their binary directly; some go through a script.
    auto steps = draws_.below(5) == 0 ? 2 : 1;
    out.open_object()
        .string("file", "/bin/sh")
        .number("line", 1)
        .string("op", "exec")
        .string("target", "/docker-entrypoint.sh")
        .close_object();
    if (steps > 1)
      out.open_object()
          .string("file", "/docker-entrypoint.sh")
          .number("line", draws_.between(5, 60))
          .string("op", "exec")
          .string("target", "/usr/local/bin/" + app)
          .close_object();
    out.close_array();
    std::string build_id;
    append_random_hex(build_id, draws_, 40);
    out.string("buildId", build_id);
    out.close_object();
  }

  void loaded_libraries(json_out& out) {
    out.open_array("loadedLibs");
    auto count = draws_.below(4) == 0 ? 2 : 1;
    auto first = draws_.below(libraries.size());
    for (int i = 0; i < count; ++i) {
      auto lib = (first + i) % libraries.size();
      std::string sha;
      append_random_hex(sha, draws_, 64);
      out.open_object()
          .string("path", libraries[lib])
          .number("inode", draws_.between(1'000, 9'999'999))
          .string("sha256", sha)
          .close_object();
    }
    out.close_array();
  }

  std::size_t changed_files(json_out& out) {
    out.open_array("changedFiles");
    auto count = draws_.between(1, 3);
    auto first = draws_.below(changed_paths.size());
    for (std::uint64_t i = 0; i < count; ++i)
      out.string({}, changed_paths[(first + i) % changed_paths.size()]);
    out.close_array();
    return count;
  }

  std::size_t new_binaries(json_out& out) {
    out.open_array("newBinaries");
    auto count = draws_.below(2);
    auto first = draws_.below(binary_paths.size());
    for (std::uint64_t i = 0; i < count; ++i) {
      std::string sha;
      append_random_hex(sha, draws_, 64);
      out.open_object()
          .string("path", binary_paths[(first + i) % binary_paths.size()])
          .string("sha256", sha)
          .close_object();
    }
    out.close_array();
    return count;
  }

  void evidence(json_out& out, kind k) {
    out.open_array("evidence");
    auto item = [&out](std::string_view signal, std::string_view value) {
      out.open_object()
          .string("signal", signal)
          .string("value", value)
          .close_object();
    };
    switch (k) {
    case kind::drift:
      item("proc.exec", draws_.pick(binary_paths));
      if (draws_.below(2) == 0)
        item("file.write", draws_.pick(changed_paths));
      break;
    case kind::start:
      item("container.start", "runc");
      break;
    case kind::stop:
      item("container.exit", "exitCode=" + std::to_string(draws_.below(3)));
      break;
    case kind::policy:
      item("policy.rule", draws_.pick(policy_rules));
      item("proc.exec", "/bin/sh");
      break;
    case kind::attestation:
      item("attestation.verify",
           draws_.below(10) < 9 ? "cosign: verified" : "cosign: no signature");
      break;
    }
    out.close_array();
  }

  const corpus_options& options_;
  draws draws_;
  zipf_table zipf_;
  std::uint64_t next_unique_;
  std::uint64_t clock_ms_ = 0;
};

} // namespace

corpus make_corpus(const corpus_options& options) {
  return generator{options}.run();
}

std::vector<std::string> make_batches(const corpus_options& options) {
  auto built = make_corpus(options);
  std::vector<std::string> bodies;
  bodies.reserve(built.batches.size());
  for (auto& batch : built.batches)
    bodies.push_back(std::move(batch.json));
  return bodies;
}

std::vector<request_body> make_scan_bodies(const corpus& source) {
  std::vector<request_body> bodies;
  bodies.reserve(source.drift_events.size());
  for (const auto& event : source.drift_events) {
    auto digest = image_digest(event).value_or("");
    request_body body;
    body.json = to_json(make_scan_submission(event, digest));
    body.events = 1;
    body.drift_events = 1;
    // Every copy of the digest (reference, digest, baseline metadata) is
    // recorded so a fresh digest replaces all of them consistently.
    digest_use use{digest, {}};
    if (digest.size() == 7 + 64) {
      std::string_view hex{digest.data() + 7, 64};
      for (auto at = body.json.find(hex); at != std::string::npos;
           at = body.json.find(hex, at + hex.size()))
        use.hex_offsets.push_back(at);
    }
    body.digests.push_back(std::move(use));
    bodies.push_back(std::move(body));
  }
  return bodies;
}

std::vector<request_body> make_scan_bodies(const corpus_options& options) {
  return make_scan_bodies(make_corpus(options));
}

std::string popular_digest(std::uint64_t seed, std::uint64_t rank) {
  return "sha256:" + digest_hex(popular_domain, seed, rank);
}

std::string unique_digest(std::uint64_t seed, std::uint64_t index) {
  return "sha256:" + digest_hex(unique_domain, seed, index);
}

std::uint64_t write_unique_digests(std::string& json,
                                   const std::vector<digest_use>& uses,
                                   std::uint64_t seed,
                                   std::uint64_t first_index) {
  auto index = first_index;
  for (const auto& use : uses) {
    auto hex = digest_hex(unique_domain, seed, index++);
    for (auto offset : use.hex_offsets)
      if (offset + hex.size() <= json.size())
        json.replace(offset, hex.size(), hex);
  }
  return index;
}

} // namespace deltascan::bench
