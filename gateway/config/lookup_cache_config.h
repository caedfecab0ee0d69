#pragma once
// The keys of the proxy's overlay lookup cache (gateway/router/lookup_cache.h). Kept apart from
// gateway_config.cpp's other keys.

#include <cstdint>

#include "gateway/config/settings.h"

namespace p2psip::config {

struct LookupCacheConfig {
  std::uint32_t ttl_ms = 2000;         // 0: no cache
  std::uint32_t max_entries = 10'000;  // 0: no cache
};

// The keys, in the order --print-config shows them.
Schema lookup_cache_keys();
LookupCacheConfig to_lookup_cache_config(const Settings& s);

}  // namespace p2psip::config
