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

// An INVITE for user@host from source.
RequestFacts request(std::string user, std::string host, std::string source) {
  return RequestFacts{.method = "INVITE", .ruri_user = std::move(user), .ruri_host = std::move(host),
                      .ruri_is_gateway = false, .own_route_verified = false, .has_route = false,
                      .in_dialog = false, .source_ip = std::move(source), .source_known = false};
}

DecisionContext context() { return {"a84b4c76e66710@pc33", "INVITE", "sip:carol@example.net", {}, ""}; }

std::map<std::string, std::string> fields(const Decision& d, const DecisionContext& c) {
  std::map<std::string, std::string> out;
  for (const auto& f : describe_decision(d, c)) out[std::string(f.key)] = f.value;
  return out;
}

// The line of the decision that follows the overlay lookup `facts` lead to, answered `status`.
std::map<std::string, std::string> after(const RequestFacts& facts, LookupStatus status,
                                         std::vector<std::string> contacts = {}) {
  auto lookup = route(config(), facts);
  REQUIRE(lookup.kind == Kind::lookup_overlay);
  auto c = context();
  c.lookup = status;
  c.aor = lookup.aor;
  return fields(after_lookup(config(), lookup, {status, std::move(contacts)}), c);
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
  auto f = after(request("bob", "p2p.example.com", "192.0.2.9"), LookupStatus::found,
                 {"sip:bob@192.0.2.7:5060"});
  CHECK(f["route"] == "overlay");
  CHECK(f["lookup"] == "hit");
  CHECK(f["aor"] == "bob@p2p.example.com");
  CHECK(f["target"] == "sip:bob@192.0.2.7:5060");
}

TEST_CASE("routing line: RFC 3263 fallback after a miss goes to the next hop") {
  auto f = after(request("carol", "example.net", "10.1.2.3"), LookupStatus::not_found);
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

  auto nobody = request("nobody", "p2p.example.com", "192.0.2.9");
  auto missing = after(nobody, LookupStatus::not_found);
  CHECK(missing["status"] == "404");
  CHECK(missing["why"] == "not registered in the overlay");
  auto down = after(nobody, LookupStatus::unreachable);
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
