// The lookup cache keys of `p2psip gateway` (lookup_cache_config.h): defaults, YAML, the
// environment twin, bad values naming the key. (The --flag twin: integration test
// gateway_lookup_cache starts gateways with --lookup-cache-ttl-ms.)
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"

using namespace p2psip::config;

namespace {

p2psip::Expected<Settings, ConfigError> settings(const std::string& yaml,
                                                 const std::map<std::string, std::string>& env = {}) {
  auto file = layer_from_yaml(yaml, "gw.yaml", gateway_schema());
  if (!file) return p2psip::unexpected(file.error());
  auto e = layer_from_env(env, gateway_schema());
  if (!e) return p2psip::unexpected(e.error());
  return resolve_settings(gateway_schema(), *file, *e, {});
}

}  // namespace

TEST_CASE("lookup cache keys: defaults 2 s and 10,000 entries") {
  auto s = settings("");
  REQUIRE(s);
  LookupCacheConfig c = to_gateway_config(*s).lookup_cache;
  CHECK(c.ttl_ms == 2000);
  CHECK(c.max_entries == 10'000);
}

TEST_CASE("lookup cache keys: YAML, and the environment over it; 0 turns the cache off") {
  auto s = settings("lookup_cache_ttl_ms: 500\nlookup_cache_max_entries: 0\n");
  REQUIRE(s);
  CHECK(to_gateway_config(*s).lookup_cache.ttl_ms == 500);
  CHECK(to_gateway_config(*s).lookup_cache.max_entries == 0);
  auto e = settings("lookup_cache_ttl_ms: 500\n", {{"P2PSIP_LOOKUP_CACHE_TTL_MS", "0"},
                                                   {"P2PSIP_LOOKUP_CACHE_MAX_ENTRIES", "7"}});
  REQUIRE(e);
  CHECK(to_gateway_config(*e).lookup_cache.ttl_ms == 0);
  CHECK(to_gateway_config(*e).lookup_cache.max_entries == 7);
}

TEST_CASE("lookup cache keys: bad values name the key") {
  for (const char* yaml : {"lookup_cache_ttl_ms: -1\n", "lookup_cache_ttl_ms: 3600001\n",
                           "lookup_cache_ttl_ms: soon\n", "lookup_cache_max_entries: 10000001\n"}) {
    auto s = settings(yaml);
    REQUIRE_FALSE(s);
    std::string key = std::string(yaml).substr(0, std::string(yaml).find(':'));
    CHECK(s.error().key == key);
  }
}
