#include <doctest/doctest.h>

#include <map>

#include "gateway/router/decision_log.h"

using namespace p2psip::router;
using Kind = Decision::Kind;

namespace {

RouterConfig config() {
  RouterConfig c;
  c.domains = {"p2p.example.com"};
  c.trusted_networks = {*p2psip::config::Cidr::parse("10.0.0.0/8")};
  c.static_registrations["pstn@p2p.example.com"] = {"sip:carrier.example.net", "sip:backup.example.net"};
  return c;
}

RequestFacts request(std::string user, std::string host, std::string source) {
  RequestFacts f;
  f.method = "INVITE";
  f.ruri_user = std::move(user);
  f.ruri_host = std::move(host);
  f.source_ip = std::move(source);
  return f;
}

DecisionContext context() { return {"a84b4c76e66710@pc33", "INVITE", "sip:carol@example.net", {}, ""}; }

std::map<std::string, std::string> fields(const Decision& d, const DecisionContext& c) {
  std::map<std::string, std::string> out;
  for (const auto& f : describe_decision(d, c)) out[std::string(f.key)] = f.value;
  return out;
}

}  // namespace

TEST_CASE("routing line: every line carries the Call-ID and the method") {
  auto f = fields(route(config(), request("pstn", "p2p.example.com", "192.0.2.9")), context());
  CHECK(f["call_id"] == "a84b4c76e66710@pc33");
  CHECK(f["method"] == "INVITE");
}

TEST_CASE("routing line: static route and its targets") {
  auto f = fields(route(config(), request("pstn", "p2p.example.com", "192.0.2.9")), context());
  CHECK(f["route"] == "static");
  CHECK(f["target"] == "sip:carrier.example.net,sip:backup.example.net");
  CHECK(f.count("lookup") == 0);
}

TEST_CASE("routing line: overlay lookup hit, with the AoR and the contacts found") {
  auto lookup = route(config(), request("bob", "p2p.example.com", "192.0.2.9"));
  REQUIRE(lookup.kind == Kind::lookup_overlay);
  auto c = context();
  c.lookup = LookupStatus::found;
  c.aor = lookup.aor;
  auto d = after_lookup(config(), lookup, {LookupStatus::found, {"sip:bob@192.0.2.7:5060"}});
  auto f = fields(d, c);
  CHECK(f["route"] == "overlay");
  CHECK(f["lookup"] == "hit");
  CHECK(f["aor"] == "bob@p2p.example.com");
  CHECK(f["target"] == "sip:bob@192.0.2.7:5060");
}

TEST_CASE("routing line: RFC 3263 fallback after a miss goes to the next hop") {
  auto lookup = route(config(), request("carol", "example.net", "10.1.2.3"));
  REQUIRE(lookup.kind == Kind::lookup_overlay);
  auto c = context();
  c.lookup = LookupStatus::not_found;
  c.aor = lookup.aor;
  auto f = fields(after_lookup(config(), lookup, {LookupStatus::not_found, {}}), c);
  CHECK(f["route"] == "dns");
  CHECK(f["lookup"] == "miss");
  CHECK(f["target"] == "sip:carol@example.net");
}

TEST_CASE("routing line: refusals say their status and why") {
  auto relay = fields(route(config(), request("carol", "example.net", "192.0.2.66")), context());
  CHECK(relay["route"] == "rejected");
  CHECK(relay["status"] == "403");
  CHECK(relay["why"] == "outbound request from an untrusted sender (no open relay)");
  CHECK(relay.count("target") == 0);

  auto lookup = route(config(), request("nobody", "p2p.example.com", "192.0.2.9"));
  auto c = context();
  c.lookup = LookupStatus::not_found;
  c.aor = lookup.aor;
  auto missing = fields(after_lookup(config(), lookup, {LookupStatus::not_found, {}}), c);
  CHECK(missing["status"] == "404");
  CHECK(missing["why"] == "not registered in the overlay");
  c.lookup = LookupStatus::unreachable;
  auto down = fields(after_lookup(config(), lookup, {LookupStatus::unreachable, {}}), c);
  CHECK(down["status"] == "503");
  CHECK(down["why"] == "overlay unreachable");
  CHECK(down["lookup"] == "unreachable");
}

TEST_CASE("routing line: a reply without a reason of its own falls back to its phrase") {
  Decision d;
  d.status = 482;
  d.phrase = "Loop Detected";
  CHECK(refusal_reason(d) == "Loop Detected");
  d.why = "loop detected";
  CHECK(refusal_reason(d) == "loop detected");
}
