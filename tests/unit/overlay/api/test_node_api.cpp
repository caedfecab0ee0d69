// The public overlay API end to end, using only its headers: a 2-node ring on a real libuv
// loop in this process (credentials from the public CA functions), a registration kept by
// one node and found by the other, the completion rule (never synchronous), a clean leave.
#include "node_fixture.h"

using namespace api_test;

TEST_CASE("public API: two nodes form a ring, a kept registration is found, both leave") {
  Ca ca;
  Loop loop;
  p2psip::SystemClock clock;
  auto a = make_node(loop, clock, ca.issue("alice"));
  CHECK(a->user() == std::string("alice@") + kOverlay);
  CHECK(a->node_id().size() == 32);
  CHECK(a->registrant().node_id() == a->node_id());
  // Kept before the node runs: stored once it has joined.
  std::string aor = std::string("alice@") + kOverlay;
  std::vector<std::string> stored;
  a->on_stored([&](const std::string& s) { stored.push_back(s); });
  REQUIRE(a->keep("sip:" + aor, ov::Contact::make_uri("sip:alice@192.0.2.1"), 600,
                  a->registrant()));
  CHECK_FALSE(a->keep("not an aor", ov::Contact::make_uri("sip:x@h"), 600, a->registrant()));
  REQUIRE(a->start());
  REQUIRE(loop.run_until([&] { return a->state() == ov::State::kJoined; },
                         std::chrono::seconds(10)));
  auto b = make_node(loop, clock, ca.issue("bob"), {{"127.0.0.1", a->snapshot().listen_port}});
  int changes = 0;
  b->on_change([&] { ++changes; });
  REQUIRE(b->start());
  REQUIRE(loop.run_until([&] { return b->state() == ov::State::kJoined; },
                         std::chrono::seconds(20)));
  CHECK(changes > 0);
  CHECK(b->snapshot().successors == std::vector<std::string>{a->node_id()});
  CHECK(a->linked_to("127.0.0.1"));

  REQUIRE(loop.run_until([&] { return !stored.empty(); }, std::chrono::seconds(10)));
  CHECK(stored.front() == aor);
  CHECK(a->snapshot().registrations_stored == 1);

  auto found = lookup_until_found(loop, *b, aor);
  REQUIRE(found.has_value());
  CHECK(found->uris == std::vector<std::string>{"sip:alice@192.0.2.1"});

  // Route form: a destination list holding the registrant's own Node-ID (RFC 7904 §3.2).
  std::string bob = std::string("bob@") + kOverlay;
  CHECK_FALSE(b->keep(bob, ov::Contact{ov::Contact::Form::kRoute, {}, {"not-hex"}}, 600,
                      b->registrant()));
  stored.clear();
  b->on_stored([&](const std::string& s) { stored.push_back(s); });
  REQUIRE(b->keep(bob, ov::Contact::route_to_registrant(), 600, b->registrant()));
  REQUIRE(loop.run_until([&] { return !stored.empty(); }, std::chrono::seconds(10)));
  found = lookup_until_found(loop, *a, bob);
  REQUIRE(found.has_value());
  CHECK(found->uris.empty());
  CHECK(found->routes == std::vector<std::vector<std::string>>{{b->node_id()}});

  // Bob's certificate is not alice's: the overlay refuses his store (USER-NODE-MATCH).
  std::optional<Expected<void, ov::Failure>> refused;
  b->store(b->registrant(), aor, ov::Contact::make_uri("sip:mallory@192.0.2.9"), 600,
           [&](Expected<void, ov::Failure> r) { refused = std::move(r); });
  REQUIRE(loop.run_until([&] { return refused.has_value(); }, std::chrono::seconds(10)));
  REQUIRE_FALSE(refused->has_value());
  CHECK(refused->error().name == "Forbidden");

  bool left = false;
  a->leave(std::chrono::milliseconds(3000), [&] { left = true; });
  REQUIRE(loop.run_until([&] { return left; }, std::chrono::seconds(10)));
  CHECK(a->snapshot().registrations == 0);  // removed before the Leave
  CHECK(a->state() == ov::State::kLeft);
  a.reset();
  b.reset();
}

TEST_CASE("public API: callbacks never run inside the call, and not after the node is gone") {
  Ca ca;
  Loop loop;
  p2psip::SystemClock clock;
  auto a = make_node(loop, clock, ca.issue("carol"));
  // Not started and a bad AoR: answers known at once, delivered from the loop all the same.
  std::optional<Expected<ov::Resolution, ov::Failure>> bad;
  a->lookup("no aor here", [&](Expected<ov::Resolution, ov::Failure> r) { bad = std::move(r); });
  CHECK_FALSE(bad.has_value());
  bool left = false;
  a->leave(std::chrono::milliseconds(500), [&] { left = true; });
  CHECK_FALSE(left);
  REQUIRE(loop.run_until([&] { return bad.has_value() && left; }, std::chrono::seconds(5)));
  REQUIRE_FALSE(bad->has_value());
  CHECK(bad->error().kind == ov::Failure::Kind::kBadInput);

  bool late = false;
  a->lookup("still no aor", [&](Expected<ov::Resolution, ov::Failure>) { late = true; });
  a.reset();
  loop.run_until([] { return false; }, std::chrono::milliseconds(50));
  CHECK_FALSE(late);
}

TEST_CASE("public API: configuration errors name the field") {
  Ca ca;
  Loop loop;
  p2psip::SystemClock clock;
  ov::NodeConfig c;
  c.overlay = "other.example.com";
  c.credentials = ca.issue("dave");
  auto wrong_overlay = ov::Node::create(&loop.loop, c, clock);
  REQUIRE_FALSE(wrong_overlay);
  CHECK(wrong_overlay.error().kind == ov::Error::Kind::kConfig);
  CHECK(wrong_overlay.error().field == "cert");
  c.overlay = kOverlay;
  c.credentials.key = c.credentials.cert;
  auto bad_key = ov::Node::create(&loop.loop, c, clock);
  REQUIRE_FALSE(bad_key);
  CHECK(bad_key.error().field == "key");
  c.credentials = ca.issue("erin");
  c.bootstrap = {{"no-such-host.invalid", 1}};
  auto bad_bootstrap = ov::Node::create(&loop.loop, c, clock);
  REQUIRE_FALSE(bad_bootstrap);
  CHECK(bad_bootstrap.error().field == "bootstrap");
  // No blocking lookup on the caller's loop: even a name that resolves is refused, by name.
  c.bootstrap = {{"127.0.0.1", 1}, {"localhost", 6084}};
  auto name = ov::Node::create(&loop.loop, c, clock);
  REQUIRE_FALSE(name);
  CHECK(name.error().kind == ov::Error::Kind::kConfig);
  CHECK(name.error().field == "bootstrap");
  CHECK(name.error().message.find("'localhost:6084'") != std::string::npos);
  CHECK(name.error().message.find("IP literal") != std::string::npos);
  c.bootstrap = {{"127.0.0.1", 1}, {"::1", 2}};
  CHECK(ov::Node::create(&loop.loop, c, clock));
}
