#include <doctest/doctest.h>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/null_sink.h>

#include "gateway/runtime/usage_lookup.h"
#include "metrics/metrics.h"

using namespace p2psip;
using router::LookupStatus;
using Outcome = Expected<overlay::Resolution, overlay::Failure>;

namespace {

overlay::Failure error(overlay::Failure::Kind kind, std::uint16_t code = 0) {
  overlay::Failure e;
  e.kind = kind;
  e.code = code;
  return e;
}

}  // namespace

TEST_CASE("usage outcome -> router lookup result") {
  overlay::Resolution found;
  found.uris = {"sip:carol@192.0.2.7:5062", "sip:carol@198.51.100.1"};
  auto r = runtime::to_lookup_result(Outcome(found));
  CHECK(r.status == LookupStatus::found);
  CHECK(r.contacts == found.uris);

  CHECK(runtime::to_lookup_result(Outcome(overlay::Resolution{})).status == LookupStatus::not_found);

  overlay::Resolution broken;  // the first fetch answered, a later one in the chain failed
  broken.failed_lookups = 1;
  CHECK(runtime::to_lookup_result(Outcome(broken)).status == LookupStatus::unreachable);

  overlay::Resolution routes_only;  // route-form only: nothing a SIP proxy can send to
  routes_only.routes.emplace_back();
  CHECK(runtime::to_lookup_result(Outcome(routes_only)).status == LookupStatus::not_found);

  using Kind = overlay::Failure::Kind;
  CHECK(runtime::to_lookup_result(Outcome(unexpected(error(Kind::kTimeout)))).status ==
        LookupStatus::unreachable);
  CHECK(runtime::to_lookup_result(Outcome(unexpected(error(Kind::kBadAnswer)))).status ==
        LookupStatus::unreachable);
  CHECK(runtime::to_lookup_result(Outcome(unexpected(
            error(Kind::kReload, std::uint16_t{0x03}  /* Error_Not_Found */)))).status ==
        LookupStatus::not_found);
  CHECK(runtime::to_lookup_result(Outcome(unexpected(
            error(Kind::kReload, std::uint16_t{0x02}  /* Error_Forbidden */)))).status ==
        LookupStatus::unreachable);
  CHECK(runtime::to_lookup_result(Outcome(unexpected(error(Kind::kBadInput)))).status ==
        LookupStatus::not_found);
}

TEST_CASE("what the lookup cache may keep: complete found answers, for their values' lifetime") {
  std::uint64_t now = 1'700'000'000'000;
  overlay::Resolution found;
  found.uris = {"sip:carol@192.0.2.7:5062"};
  found.min_lifetime_s = 600;
  found.earliest_expiry_ms = now + 30'000;  // stored 570 s ago
  auto result = runtime::to_lookup_result(Outcome(found));
  CHECK(runtime::cache_validity_ms(found, result, now) == 30'000);
  // A fetch down the indirection chain failed: the contacts may be incomplete, not kept.
  overlay::Resolution partial = found;
  partial.failed_lookups = 1;
  CHECK(runtime::cache_validity_ms(partial, runtime::to_lookup_result(Outcome(partial)), now) == 0);
  // Nothing found: asked again every time.
  overlay::Resolution none;
  CHECK(runtime::cache_validity_ms(none, runtime::to_lookup_result(Outcome(none)), now) == 0);
}

TEST_CASE("without an attached, joined overlay every lookup is unreachable, and counted") {
  prometheus::Registry registry;
  metrics::GatewayMetrics metrics(registry);
  auto log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  bool joined = true;
  metrics::LookupCacheMetrics cache_metrics(registry);
  SystemClock clock;
  runtime::UsageLookup lookup([&] { return joined; }, metrics, log, {10, 2000}, clock,
                              cache_metrics);
  int answers = 0;
  lookup.lookup("carol@p2p.example.com", [&](router::LookupResult r) {
    ++answers;
    CHECK(r.status == LookupStatus::unreachable);
  });
  CHECK(answers == 1);
  std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  CHECK(text.find("p2psip_overlay_lookups_total{result=\"unreachable\"} 1") != std::string::npos);
  CHECK(text.find("p2psip_overlay_lookups_total{result=\"found\"} 0") != std::string::npos);
}
