#include <doctest/doctest.h>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/null_sink.h>

#include "gateway/runtime/usage_lookup.h"
#include "metrics/metrics.h"
#include "overlay/wire/message_codes.h"

using namespace p2psip;
using router::LookupStatus;
using Outcome = Expected<usage::Resolution, usage::UsageError>;

namespace {

usage::UsageError error(usage::UsageError::Kind kind, std::uint16_t code = 0) {
  usage::UsageError e;
  e.kind = kind;
  e.code = code;
  return e;
}

}  // namespace

TEST_CASE("usage outcome -> router lookup result") {
  usage::Resolution found;
  found.uris = {"sip:carol@192.0.2.7:5062", "sip:carol@198.51.100.1"};
  auto r = runtime::to_lookup_result(Outcome(found));
  CHECK(r.status == LookupStatus::found);
  CHECK(r.contacts == found.uris);

  CHECK(runtime::to_lookup_result(Outcome(usage::Resolution{})).status == LookupStatus::not_found);

  usage::Resolution broken;  // the first fetch answered, a later one in the chain failed
  broken.failed_lookups = 1;
  CHECK(runtime::to_lookup_result(Outcome(broken)).status == LookupStatus::unreachable);

  usage::Resolution routes_only;  // route-form only: nothing a SIP proxy can send to
  routes_only.routes.emplace_back();
  CHECK(runtime::to_lookup_result(Outcome(routes_only)).status == LookupStatus::not_found);

  using Kind = usage::UsageError::Kind;
  CHECK(runtime::to_lookup_result(Outcome(unexpected(error(Kind::kTimeout)))).status ==
        LookupStatus::unreachable);
  CHECK(runtime::to_lookup_result(Outcome(unexpected(error(Kind::kBadAnswer)))).status ==
        LookupStatus::unreachable);
  CHECK(runtime::to_lookup_result(Outcome(unexpected(
            error(Kind::kReload, static_cast<std::uint16_t>(wire::ErrorCode::kNotFound))))).status ==
        LookupStatus::not_found);
  CHECK(runtime::to_lookup_result(Outcome(unexpected(
            error(Kind::kReload, static_cast<std::uint16_t>(wire::ErrorCode::kForbidden))))).status ==
        LookupStatus::unreachable);
  CHECK(runtime::to_lookup_result(Outcome(unexpected(error(Kind::kBadInput)))).status ==
        LookupStatus::not_found);
}

TEST_CASE("without an attached, joined overlay every lookup is unreachable, and counted") {
  prometheus::Registry registry;
  metrics::GatewayMetrics metrics(registry);
  auto log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  bool joined = true;
  runtime::UsageLookup lookup([&] { return joined; }, metrics, log);
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
