// Node::renew_credentials (public API): a running node switches to a renewed certificate with
// the same Node-ID (RFC 6940 §11.3) and stores its kept registration again signed by it; a
// certificate of another Node-ID, another user, another root, an expired one or a key that
// is not its key is refused and changes nothing.
#include "node_fixture.h"

using namespace api_test;

namespace {

// Renewed credentials for `node`: its user and Node-ID, new key, in files named `file`.
ov::CredentialFiles renewed_for(Ca& ca, const ov::Node& node, const std::string& file) {
  std::string user = node.user().substr(0, node.user().find('@'));
  return ca.issue(user, {node.node_id()}, file);
}

}  // namespace

TEST_CASE("public API: a running node renews its certificate and re-stores what it keeps") {
  Ca ca;
  Loop loop;
  p2psip::SystemClock clock;
  auto a = make_node(loop, clock, ca.issue("alice"));
  std::string aor = std::string("alice@") + kOverlay;
  int stored = 0;
  a->on_stored([&](const std::string&) { ++stored; });
  REQUIRE(a->start());
  auto b = make_node(loop, clock, ca.issue("bob"), {{"127.0.0.1", a->snapshot().listen_port}});
  REQUIRE(b->start());
  REQUIRE(loop.run_until([&] { return b->state() == ov::State::kJoined; }, std::chrono::seconds(20)));
  // Kept once the ring is formed: no ring change stores it again later (the keeper's ring
  // re-store would hide a renewal that stores nothing).
  REQUIRE(a->keep(aor, ov::Contact::make_uri("sip:alice@192.0.2.1"), 600, a->registrant()));
  REQUIRE(loop.run_until([&] { return stored >= 1; }, std::chrono::seconds(20)));
  const auto* old_registrant = a->registrant().impl();
  int before = stored;

  auto renewed = a->renew_credentials(renewed_for(ca, *a, "alice-renewed"));
  REQUIRE(renewed.has_value());
  CHECK(a->registrant().impl() != old_registrant);
  CHECK(a->registrant().node_id() == a->node_id());
  CHECK(stored == before);  // the completion rule: nothing inside the call
  // The kept registration is stored again (signed by the renewed certificate) at once, not
  // at its refresh 400 s later.
  REQUIRE(loop.run_until([&] { return stored > before; }, std::chrono::seconds(10)));
  auto found = lookup_until_found(loop, *b, aor);
  REQUIRE(found.has_value());
  CHECK(found->uris == std::vector<std::string>{"sip:alice@192.0.2.1"});
  CHECK(found->rejected_values == 0);
  // A store with the renewed registrant is accepted by the overlay.
  std::optional<Expected<void, ov::Failure>> direct;
  a->store(a->registrant(), aor, ov::Contact::make_uri("sip:alice@192.0.2.2"), 600,
           [&](Expected<void, ov::Failure> r) { direct = std::move(r); });
  REQUIRE(loop.run_until([&] { return direct.has_value(); }, std::chrono::seconds(10)));
  CHECK(direct->has_value());
  // A node joining now links with alice's node over the renewed certificate.
  auto c = make_node(loop, clock, ca.issue("carol"), {{"127.0.0.1", a->snapshot().listen_port}});
  REQUIRE(c->start());
  REQUIRE(loop.run_until([&] { return c->state() == ov::State::kJoined; }, std::chrono::seconds(20)));
  c.reset();
  b.reset();
  a.reset();
}

TEST_CASE("public API: a renewal that is not this node's certificate is refused") {
  Ca ca;
  Ca other("-other");
  Loop loop;
  p2psip::SystemClock clock;
  auto a = make_node(loop, clock, ca.issue("alice"));
  const auto* registrant = a->registrant().impl();

  auto refused = [&](const ov::CredentialFiles& f, const std::string& field,
                     const std::string& words) {
    auto r = a->renew_credentials(f);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ov::Error::Kind::kConfig);
    CHECK(r.error().field == field);
    INFO(r.error().message);
    CHECK(r.error().message.find(words) != std::string::npos);
    CHECK(a->registrant().impl() == registrant);  // unchanged
  };
  SUBCASE("another Node-ID") { refused(ca.issue("alice", {}, "alice-2"), "cert", "Node-ID"); }
  SUBCASE("another user") { refused(ca.issue("mallory", {a->node_id()}), "cert", "user"); }
  SUBCASE("another root") {
    refused(other.issue("alice", {a->node_id()}), "cert", "root");
  }
  SUBCASE("expired") {
    auto old = ca.now - std::chrono::days(3);
    refused(ca.issue("alice", {a->node_id()}, "alice-old", old, 1), "cert", "not valid");
  }
  SUBCASE("not its key") {
    auto f = renewed_for(ca, *a, "alice-3");
    f.key = ca.issue("bob").key;
    refused(f, "key", "not the key");
  }
  SUBCASE("a missing file") {
    auto f = renewed_for(ca, *a, "alice-4");
    f.cert += ".missing";
    refused(f, "cert", ".missing");
  }
}
