#include "model/drift_rate_limiter.hpp"

#include <algorithm>

namespace deltascan {

namespace {

constexpr std::chrono::seconds sweep_interval{1};

void refill(double& tokens, std::chrono::steady_clock::time_point& updated,
            const bucket_limit& limit,
            std::chrono::steady_clock::time_point now) {
  if (now <= updated)
    return;
  std::chrono::duration<double> elapsed = now - updated;
  tokens = std::min(static_cast<double>(limit.burst),
                    tokens + elapsed.count() * static_cast<double>(limit.rate));
  updated = now;
}

} // namespace

drift_rate_limiter::drift_rate_limiter(bucket_limit per_node,
                                       bucket_limit per_tenant)
    : per_node_{per_node}, per_tenant_{per_tenant} {
  // nop
}

drift_rate_limiter::bucket*
drift_rate_limiter::find_bucket(scope& where, const bucket_limit& limit,
                                std::string_view key, time_point now) {
  auto& buckets = where.buckets;
  std::string name{key};
  if (auto i = buckets.find(name); i != buckets.end()) {
    refill(i->second.tokens, i->second.updated, limit, now);
    return &i->second;
  }
  if (buckets.size() >= max_buckets) {
    if (now < where.next_sweep)
      return nullptr;
    where.next_sweep = now + sweep_interval;
    for (auto i = buckets.begin(); i != buckets.end();) {
      refill(i->second.tokens, i->second.updated, limit, now);
      if (i->second.tokens >= static_cast<double>(limit.burst))
        i = buckets.erase(i);
      else
        ++i;
    }
    if (buckets.size() >= max_buckets)
      return nullptr;
  }
  auto [i, added] = buckets.emplace(
      std::move(name), bucket{static_cast<double>(limit.burst), now});
  return &i->second;
}

std::vector<rate_verdict>
drift_rate_limiter::admit(const std::vector<drift_event>& events,
                          time_point now) {
  std::vector<rate_verdict> verdicts(events.size(), rate_verdict::allowed);
  if (!enabled())
    return verdicts;
  std::lock_guard guard{mutex_};
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& event = events[i];
    bucket* node = nullptr;
    bucket* tenant = nullptr;
    if (per_node_.enabled()) {
      node = find_bucket(nodes_, per_node_, event.node.value_or(""), now);
      if (node == nullptr || node->tokens < 1) {
        verdicts[i] = rate_verdict::node_limited;
        continue;
      }
    }
    if (per_tenant_.enabled()) {
      tenant =
          find_bucket(tenants_, per_tenant_, event.tenant.value_or(""), now);
      if (tenant == nullptr || tenant->tokens < 1) {
        verdicts[i] = rate_verdict::tenant_limited;
        continue;
      }
    }
    if (node != nullptr)
      node->tokens -= 1;
    if (tenant != nullptr)
      tenant->tokens -= 1;
  }
  return verdicts;
}

} // namespace deltascan
