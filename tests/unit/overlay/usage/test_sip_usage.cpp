// SIP usage (RFC 7904): AoRs, Resource-IDs, signed registrations stored through a DataStore,
// and uri-form indirection.
#include <doctest/doctest.h>

#include <map>

#include "overlay/storage/access.h"
#include "overlay/storage/kinds.h"
#include "overlay/usage/sip_usage.h"
#include "storage_fixture.h"

namespace p2psip::usage {

using namespace p2psip::storage::test;

TEST_CASE("normalize_aor") {
  CHECK(*normalize_aor("alice@p2p.example.com") == "alice@p2p.example.com");
  CHECK(*normalize_aor("sip:alice@p2p.example.com") == "alice@p2p.example.com");
  CHECK(*normalize_aor("SIPS:Alice@P2P.Example.COM;transport=tcp?x=y") ==
        "Alice@p2p.example.com");
  CHECK_FALSE(normalize_aor("sip:p2p.example.com"));
  CHECK_FALSE(normalize_aor("@p2p.example.com"));
  CHECK_FALSE(normalize_aor("alice@"));
  CHECK_FALSE(normalize_aor("al ice@p2p.example.com"));
  CHECK_FALSE(normalize_aor("<sip:alice@p2p.example.com>"));
  CHECK_FALSE(normalize_aor(std::string(2000, 'a') + "@x"));
}

TEST_CASE("normalize_aor decodes %-escapes of unreserved characters (RFC 7904 §7)") {
  // RFC 3261 §19.1.4's example pair: the same AoR.
  CHECK(*normalize_aor("sip:%61lice@atlanta.com;transport=TCP") == "alice@atlanta.com");
  CHECK(*normalize_aor("sip:alice@AtLanTa.CoM;Transport=tcp") == "alice@atlanta.com");
  // ... and its counter-example: the user part is case-sensitive.
  CHECK(*normalize_aor("sip:ALICE@AtLanTa.CoM;Transport=udp") == "ALICE@atlanta.com");
  // The interop check's form (lower-case hex), upper-case hex, every escape decoded.
  CHECK(*normalize_aor("sip:%69nterop0@p2p.example.com") == "interop0@p2p.example.com");
  CHECK(*normalize_aor("%49%6E%54%65%72%6f%70@p2p.example.com") == "InTerop@p2p.example.com");
  // RFC 3986 §6.2.2.2 unreserved (ALPHA DIGIT - . _ ~) and RFC 3261's other marks.
  CHECK(*normalize_aor("%7e%2d%2e%5f%30%21%2a%27%28%29@x") == "~-._0!*'()@x");
  // The domain too, lower-cased after decoding.
  CHECK(*normalize_aor("bob@P2P.%45xample.com") == "bob@p2p.example.com");
  // Reserved characters, '%', space, controls, non-ASCII stay escaped (upper-case hex,
  // RFC 3986 §6.2.2.1): decoding them changes the URI or gives no valid user name.
  CHECK(*normalize_aor("a%40b@x") == "a%40b@x");
  CHECK(*normalize_aor("a%3bb%2fc%3a@x") == "a%3Bb%2Fc%3A@x");
  CHECK(*normalize_aor("100%25@x") == "100%25@x");
  CHECK(*normalize_aor("a%20b%00%c3%a9@x") == "a%20b%00%C3%A9@x");
  CHECK(*normalize_aor("%7Bfoo%7d@x") == "%7Bfoo%7D@x");
  CHECK(*normalize_aor("bob@a%2fB") == "bob@a%2Fb");
  // Malformed escapes.
  CHECK_FALSE(normalize_aor("a%4@x"));
  CHECK_FALSE(normalize_aor("a%zz@x"));
  CHECK_FALSE(normalize_aor("bob@x%"));
  CHECK_FALSE(normalize_aor("bob@x%6"));
  // %40 is not the separator: no literal '@', no AoR.
  CHECK_FALSE(normalize_aor("alice%40example.com"));
}

TEST_CASE("the storing peer's USER-NODE-MATCH hashes the same normal form (RFC 7904 §7)") {
  const storage::KindDef kind = storage::sip_registration_kind();
  wire::NodeId node = wire::NodeId::from_bytes(Bytes(16, std::byte{0x42})).value();
  wire::StoredDataValue value =
      wire::DictionaryEntry{Bytes(node.view().begin(), node.view().end()), {true, {}}};
  auto allowed = [&](const std::string& cert_user, const std::string& aor) {
    storage::SignerInfo signer{cert_user, {node}};
    return storage::access_allowed(kind, *aor_resource_id(aor), value, signer);
  };
  CHECK(allowed("alice@p2p.example.com", "sip:%61lice@p2p.example.com"));
  CHECK(allowed("alice@p2p.example.com", "sip:alice@P2P.EXAMPLE.com"));
  // A certificate whose rfc822Name has an upper-case domain or an escape: its normal form is
  // what a requester looks up, and the storing peer accepts it (as well as the name as written).
  CHECK(allowed("alice@P2P.Example.com", "sip:alice@p2p.example.com"));
  CHECK(allowed("%61lice@p2p.example.com", "sip:alice@p2p.example.com"));
  CHECK(storage::access_allowed(kind, storage::resource_id_of(std::string_view(
                                          "alice@P2P.Example.com")),
                                value, storage::SignerInfo{"alice@P2P.Example.com", {node}}));
  // Not another user, and the user part's case matters.
  CHECK_FALSE(allowed("alice@p2p.example.com", "sip:Alice@p2p.example.com"));
  CHECK_FALSE(allowed("alice@p2p.example.com", "sip:%62ob@p2p.example.com"));
  CHECK_FALSE(allowed("a%40b@p2p.example.com", "sip:a@b@p2p.example.com"));
}

TEST_CASE("AoR -> Resource-ID: SHA-1 of the AoR without scheme, first 128 bits") {
  // SHA-1("alice@p2p.example.com") computed independently (python hashlib).
  auto id = aor_resource_id("sip:alice@p2p.example.com");
  REQUIRE(id);
  CHECK(id->bytes.size() == 16);
  CHECK(*id == storage::resource_id_of(std::string_view("alice@p2p.example.com")));
  CHECK(to_hex(id->bytes) == "fd9f0a1f5759aeb1cec388f1dd004737");
  CHECK(*aor_resource_id("alice@P2P.example.com") == *id);
}

namespace {

struct Overlay {
  storage::DataStore store{registry()};
  storage::CertificateVerifier v = verifier();

  bool put(const Party& p, std::string_view aor, const wire::SipRegistration& reg,
           std::uint64_t t = kNow) {
    auto res = aor_resource_id(aor).value();
    auto kd = build_registration(res, p.node, reg, t, 3600,
                                 const_cast<storage::CertificateSigner&>(p.signer));
    REQUIRE(kd);
    wire::StoreReq req{res, 0, {*kd}};
    return store.store(req, kNow, v).has_value();
  }
  std::vector<wire::StoredData> lookup(const std::string& aor) {
    wire::StoredDataSpecifier spec{wire::kSipRegistrationKindId, 0, wire::DictionarySpecifier{}};
    auto r = store.fetch(wire::FetchReq{aor_resource_id(aor).value(), {spec}}, kNow);
    return r ? r->kind_responses.at(0).values : std::vector<wire::StoredData>{};
  }
};

}  // namespace

TEST_CASE("signed registrations: uri and route form store under USER-NODE-MATCH") {
  Overlay o;
  CHECK(o.put(alice(), "sip:alice@p2p.example.com",
              wire::SipRegistration::make_uri("sip:alice@192.0.2.1:5060")));
  auto values = o.lookup("alice@p2p.example.com");
  REQUIRE(values.size() == 1);
  auto signer = storage::verify_stored_data(o.v, aor_resource_id("alice@p2p.example.com").value(),
                                            1, values[0]);
  REQUIRE(signer);
  CHECK(signer->user == alice().user);
  auto regs = registrations_of(values);
  REQUIRE(regs.size() == 1);
  CHECK(regs[0].uri == "sip:alice@192.0.2.1:5060");

  std::vector<wire::Destination> path{wire::Destination::node(alice().node),
                                      wire::Destination::node(bob().node),
                                      wire::Destination::node(alice().node)};
  CHECK(o.put(alice(), "alice@p2p.example.com",
              wire::SipRegistration::make_route("", path), kNow + 1));
  regs = registrations_of(o.lookup("alice@p2p.example.com"));
  REQUIRE(regs.size() == 1);  // the same dictionary key: replaced
  CHECK(regs[0].type == wire::SipRegistrationType::kRoute);

  // bob may not register alice's AoR.
  CHECK_FALSE(o.put(bob(), "alice@p2p.example.com", wire::SipRegistration::make_uri("sip:x@y")));
}

TEST_CASE("unregistration: exists=false hides the registration") {
  Overlay o;
  REQUIRE(o.put(alice(), "alice@p2p.example.com", wire::SipRegistration::make_uri("sip:a@h")));
  auto res = aor_resource_id("alice@p2p.example.com").value();
  auto kd = build_unregistration(res, alice().node, kNow + 5, 3600,
                                 const_cast<storage::CertificateSigner&>(alice().signer));
  REQUIRE(o.store.store(wire::StoreReq{res, 0, {kd}}, kNow, o.v));
  CHECK(registrations_of(o.lookup("alice@p2p.example.com")).empty());
}

TEST_CASE("resolve_aor follows uri-form indirection inside the overlay") {
  std::map<std::string, std::vector<wire::SipRegistration>> regs;
  auto fetch = [&](const std::string& aor) {
    std::vector<wire::StoredData> out;
    for (auto& r : regs[aor]) {
      wire::StoredData d;
      d.value = wire::DictionaryEntry{to_bytes("k"), {true, *wire::encode_sip_registration(r)}};
      out.push_back(d);
    }
    return out;
  };
  regs["sales@p2p.example.com"] = {wire::SipRegistration::make_uri("sip:alice@P2P.example.com"),
                                   wire::SipRegistration::make_uri("sip:desk@pstn.example.net")};
  regs["alice@p2p.example.com"] = {
      wire::SipRegistration::make_route("", {wire::Destination::node(alice().node),
                                             wire::Destination::node(alice().node),
                                             wire::Destination::node(alice().node)}),
      wire::SipRegistration::make_uri("sip:sales@p2p.example.com")};  // a loop
  auto r = resolve_aor("sip:sales@p2p.example.com", "p2p.example.com", fetch);
  CHECK(r.visited == std::vector<std::string>{"sales@p2p.example.com", "alice@p2p.example.com"});
  CHECK(r.uris == std::vector<std::string>{"sip:desk@pstn.example.net"});
  CHECK(r.routes.size() == 1);
  CHECK_FALSE(r.depth_exceeded);

  auto shallow = resolve_aor("sales@p2p.example.com", "p2p.example.com", fetch, 0);
  CHECK(shallow.depth_exceeded);
  CHECK(shallow.visited.size() == 1);
  CHECK(resolve_aor("not an aor", "p2p.example.com", fetch).visited.empty());
}

}  // namespace p2psip::usage
