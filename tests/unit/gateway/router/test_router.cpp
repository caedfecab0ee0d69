#include <doctest/doctest.h>

#include "gateway/router/router.h"

using namespace p2psip::router;
using Kind = Decision::Kind;

namespace {

RouterConfig config() {
  RouterConfig c;
  c.domains = {"p2p.example.com", "alias.example.org"};
  c.trusted_networks = {*p2psip::config::Cidr::parse("10.0.0.0/8"),
                        *p2psip::config::Cidr::parse("127.0.0.1")};
  c.static_registrations["pstn@p2p.example.com"] = {"sip:carrier.example.net;transport=tcp"};
  c.retry_after_seconds = 17;
  return c;
}

RequestFacts request(std::string user, std::string host, std::string source = "10.1.2.3") {
  RequestFacts f;
  f.method = "INVITE";
  f.ruri_user = std::move(user);
  f.ruri_host = std::move(host);
  f.source_ip = std::move(source);
  return f;
}

}  // namespace

TEST_CASE("inbound: a static registration is answered from the table, no lookup") {
  auto d = route(config(), request("pstn", "P2P.Example.COM", "192.0.2.9"));
  CHECK(d.kind == Kind::forward);
  CHECK(d.route == Route::static_table);
  CHECK(d.targets == std::vector<std::string>{"sip:carrier.example.net;transport=tcp"});
}

TEST_CASE("inbound: a phone registered here is answered from its bindings, after the static table") {
  std::vector<std::string> asked;
  PhoneContacts phones = [&](std::string_view aor) {
    asked.emplace_back(aor);
    if (aor == "carol@p2p.example.com") return std::vector<std::string>{"sip:carol@192.0.2.7:5062"};
    return std::vector<std::string>{};
  };
  auto d = route(config(), request("carol", "P2P.example.com", "192.0.2.9"), phones);
  CHECK(d.kind == Kind::forward);
  CHECK(d.route == Route::static_table);
  CHECK(d.targets == std::vector<std::string>{"sip:carol@192.0.2.7:5062"});
  CHECK(asked == std::vector<std::string>{"carol@p2p.example.com"});
  // Not registered: the overlay as before. A static entry wins without asking the phones.
  CHECK(route(config(), request("dave", "p2p.example.com"), phones).kind == Kind::lookup_overlay);
  asked.clear();
  CHECK(route(config(), request("pstn", "p2p.example.com"), phones).route == Route::static_table);
  CHECK(asked.empty());
}

TEST_CASE("inbound: other users of the overlay domain or an alias are looked up, no DNS after") {
  auto d = route(config(), request("alice", "p2p.example.com", "192.0.2.9"));
  CHECK(d.kind == Kind::lookup_overlay);
  CHECK(d.aor == "alice@p2p.example.com");
  CHECK_FALSE(d.dns_fallback);
  auto alias = route(config(), request("alice", "alias.example.org", "192.0.2.9"));
  CHECK(alias.kind == Kind::lookup_overlay);
  CHECK(alias.aor == "alice@alias.example.org");
}

TEST_CASE("inbound lookup outcome: found forwards, not found 404, unreachable 503 + Retry-After") {
  auto cfg = config();
  auto pending = route(cfg, request("alice", "p2p.example.com", "192.0.2.9"));
  auto found = after_lookup(cfg, pending, {LookupStatus::found, {"sip:a@192.0.2.1", "sip:a@192.0.2.2"}});
  CHECK(found.kind == Kind::forward);
  CHECK(found.route == Route::overlay);
  CHECK(found.targets.size() == 2);
  auto missing = after_lookup(cfg, pending, {LookupStatus::not_found, {}});
  CHECK(missing.kind == Kind::reply);
  CHECK(missing.status == 404);
  auto down = after_lookup(cfg, pending, {LookupStatus::unreachable, {}});
  CHECK(down.status == 503);
  CHECK(down.retry_after == 17);
  auto empty = after_lookup(cfg, pending, {LookupStatus::found, {}});
  CHECK(empty.status == 404);
  // Two gateways' values with the same phone contact: forked to once.
  auto twice = after_lookup(cfg, pending, {LookupStatus::found,
                                           {"sip:a@192.0.2.1", "sip:a@192.0.2.2", "sip:a@192.0.2.1"}});
  CHECK(twice.targets == std::vector<std::string>{"sip:a@192.0.2.1", "sip:a@192.0.2.2"});
}

TEST_CASE("a Request-URI without user at our domain or address is for the gateway itself") {
  CHECK(route(config(), request("", "p2p.example.com")).kind == Kind::local);
  auto f = request("", "127.0.0.1");
  f.ruri_is_gateway = true;
  CHECK(route(config(), f).kind == Kind::local);
}

TEST_CASE("a user at the gateway's own address is a user of the overlay domain") {
  auto f = request("pstn", "127.0.0.1", "192.0.2.9");
  f.ruri_is_gateway = true;
  auto d = route(config(), f);
  CHECK(d.kind == Kind::forward);
  CHECK(d.route == Route::static_table);
}

TEST_CASE("outbound from a trusted network: overlay first, then DNS whatever the overlay says") {
  auto cfg = config();
  auto d = route(cfg, request("bob", "ext.example", "10.200.0.1"));
  CHECK(d.kind == Kind::lookup_overlay);
  CHECK(d.aor == "bob@ext.example");
  CHECK(d.dns_fallback);
  CHECK(after_lookup(cfg, d, {LookupStatus::not_found, {}}).kind == Kind::resolve_dns);
  CHECK(after_lookup(cfg, d, {LookupStatus::unreachable, {}}).kind == Kind::resolve_dns);
  auto found = after_lookup(cfg, d, {LookupStatus::found, {"sip:bob@192.0.2.7"}});
  CHECK(found.kind == Kind::forward);
  CHECK(found.route == Route::overlay);
}

TEST_CASE("outbound without a user part goes straight to DNS") {
  CHECK(route(config(), request("", "ext.example", "127.0.0.1")).kind == Kind::resolve_dns);
}

TEST_CASE("outbound from an untrusted sender is refused: never an open relay") {
  auto d = route(config(), request("bob", "ext.example", "127.0.0.2"));
  CHECK(d.kind == Kind::reply);
  CHECK(d.status == 403);
  auto phone = request("bob", "ext.example", "192.0.2.50");
  phone.source_known = true;  // a phone registered here / an overlay peer
  CHECK(route(config(), phone).kind == Kind::lookup_overlay);
}

TEST_CASE("in-dialog requests on a route set we record-routed follow it from anyone") {
  auto f = request("uas", "192.0.2.80", "192.0.2.99");
  f.in_dialog = true;
  f.own_route_verified = true;
  auto d = route(config(), f);
  CHECK(d.kind == Kind::forward);
  CHECK(d.route == Route::dialog);
  f.has_route = true;  // more hops after us
  CHECK(route(config(), f).route == Route::dialog);
  auto preloaded = request("bob", "ext.example", "192.0.2.99");
  preloaded.has_route = true;
  CHECK(route(config(), preloaded).status == 403);
  preloaded.source_ip = "10.0.0.1";
  CHECK(route(config(), preloaded).kind == Kind::forward);
}

TEST_CASE("a Route naming us without our token and a To-tag trusts nobody (issue 13 finding 1)") {
  // Route: <sip:GATEWAY;lr> popped (not verified), To-tag, Request-URI = a victim elsewhere.
  auto f = request("victim", "198.51.100.7", "192.0.2.99");
  f.in_dialog = true;
  CHECK(route(config(), f).status == 403);
  // Route: <sip:GATEWAY;lr>,<sip:VICTIM;lr> without a To-tag: a Route remains after ours.
  auto g = request("anyone", "elsewhere.example", "192.0.2.99");
  g.has_route = true;
  CHECK(route(config(), g).status == 403);
  g.in_dialog = true;
  CHECK(route(config(), g).status == 403);
  // The same from a trusted network is routed (a phone's outbound-proxy preloaded Route).
  g.source_ip = "10.0.0.1";
  CHECK(route(config(), g).kind == Kind::forward);
  // Inbound to our domain needs no trust, Route naming us or not.
  auto in = request("pstn", "p2p.example.com", "192.0.2.99");
  in.in_dialog = true;
  CHECK(route(config(), in).route == Route::static_table);
}

TEST_CASE("an in-dialog request not routed through us is outbound: trust applies, no lookup") {
  auto f = request("uas", "192.0.2.80", "192.0.2.99");
  f.in_dialog = true;
  CHECK(route(config(), f).status == 403);
  f.source_ip = "10.9.9.9";
  CHECK(route(config(), f).kind == Kind::resolve_dns);
}

TEST_CASE("route labels (the metrics' label values)") {
  CHECK(to_string(Route::overlay) == "overlay");
  CHECK(to_string(Route::static_table) == "static");
  CHECK(to_string(Route::dns) == "dns");
  CHECK(to_string(Route::dialog) == "dialog");
  CHECK(to_string(Route::local) == "local");
  CHECK(to_string(Route::rejected) == "rejected");
}
