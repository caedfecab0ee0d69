#include "gateway/config/lookup_cache_config.h"

#include <string>

#include "gateway/config/overload_config.h"

namespace p2psip::config {

// The default TTL, 2 s: one Fetch serves all the calls to an AoR in that window (at 1,000
// calls/s to one AoR, 1 in 2,000), while a registration changed at another node reaches this
// gateway's callers at most 2 s late (changes through this gateway: at once). The default
// count bounds the memory (an entry is an AoR and its contacts, a few hundred bytes) to a few MB.
Schema lookup_cache_keys() {
  return {
      {"lookup_cache_ttl_ms", "how long (ms) the proxy reuses an overlay lookup's contacts for "
       "further requests to the same AoR, never beyond the stored values' lifetime; a "
       "registration changed at another node is seen up to this late (one stored or removed "
       "through this gateway: at once); 0: every request looks up", {"2000"}, false,
       [](const std::string& v) { return check_count(v, 0, 3'600'000); }},
      {"lookup_cache_max_entries", "AoRs the lookup cache holds at most (the least recently used "
       "goes first); 0: no cache", {"10000"}, false,
       [](const std::string& v) { return check_count(v, 0, 10'000'000); }},
  };
}

LookupCacheConfig to_lookup_cache_config(const Settings& s) {
  LookupCacheConfig c;
  c.ttl_ms = static_cast<std::uint32_t>(std::stoul(s.get("lookup_cache_ttl_ms")));  // checked
  c.max_entries = static_cast<std::uint32_t>(std::stoul(s.get("lookup_cache_max_entries")));
  return c;
}

}  // namespace p2psip::config
