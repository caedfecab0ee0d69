// SipUsageClient over a fake sender: stores land in a real DataStore (signatures checked
// against the certificates the request carried), lookups verify what comes back, hostile and
// failed answers become errors or rejected values, never crashes.
#include <doctest/doctest.h>

#include "overlay/wire/bodies_misc.h"
#include "usage_fake_overlay.h"

namespace p2psip::usage::test {

namespace {

struct Fixture {
  FakeOverlay overlay;
  SipUsageClient client{overlay, carried, UsageConfig{"p2p.example.com", 4}};

  Expected<void, UsageError> store(const Party& p, std::string_view aor,
                                   const wire::SipRegistration& v) {
    std::optional<Expected<void, UsageError>> out;
    client.store(registrant(p), aor, v, 3600, kNow, [&](auto r) { out = std::move(r); });
    REQUIRE(out);
    return *out;
  }
  Expected<void, UsageError> remove(const Party& p, std::string_view aor) {
    std::optional<Expected<void, UsageError>> out;
    client.remove(registrant(p), aor, 3600, kNow, [&](auto r) { out = std::move(r); });
    REQUIRE(out);
    return *out;
  }
  Expected<Resolution, UsageError> lookup(std::string_view aor) {
    std::optional<Expected<Resolution, UsageError>> out;
    client.lookup(aor, [&](auto r) { out = std::move(r); });
    REQUIRE(out);
    return std::move(*out);
  }
};

OverlayAnswer error_answer(wire::ErrorCode code, std::string_view text) {
  return OverlayAnswer{OverlayAnswer::Outcome::kError, wire::MessageCode::kError,
                       *wire::encode_to_bytes(wire::ErrorResponse::make(code, text)), {}};
}

// Who the request's own signature names: a signature made by the signer the request was sent
// with, checked against the certificates that travel with it (as the responsible peer does).
std::optional<storage::SignerInfo> request_signer(const FakeOverlay::Sent& s) {
  if (!s.signer) return std::nullopt;  // the node's own certificate would sign
  Bytes input{std::byte{0x52}};
  return carried(s.signer.certificates)->verify(s.signer.signer->sign(input), input);
}

wire::FetchAns one_value(wire::StoredData d) {
  return wire::FetchAns{{wire::FetchKindResponse{1, 0, {std::move(d)}, std::nullopt}}};
}

}  // namespace

TEST_CASE("store then lookup: uri form and route form, with the registrant's certificate") {
  Fixture f;
  REQUIRE(f.store(alice(), "sip:alice@p2p.example.com",
                  wire::SipRegistration::make_uri("sip:alice@192.0.2.1:5060")));
  REQUIRE(f.overlay.sent.size() == 1);
  CHECK(f.overlay.sent[0].code == wire::MessageCode::kStoreReq);
  CHECK(f.overlay.sent[0].signer.certificates.size() == 1);  // the signer's certificate travels
  auto r = f.lookup("alice@p2p.example.com");
  REQUIRE(r);
  CHECK(r->uris == std::vector<std::string>{"sip:alice@192.0.2.1:5060"});
  CHECK(r->rejected_values == 0);
  // The lookup is a Fetch of kind 1 with no dictionary keys.
  auto req = wire::decode_fetch_req(f.overlay.sent.back().body, registry().model_lookup());
  REQUIRE(req);
  REQUIRE(req->specifiers.size() == 1);
  CHECK(req->specifiers[0].kind == 1);
  CHECK(std::get<wire::DictionarySpecifier>(req->specifiers[0].model).keys.empty());

  std::vector<wire::Destination> path(3, wire::Destination::node(bob().node));
  REQUIRE(f.store(bob(), "bob@p2p.example.com", wire::SipRegistration::make_route("", path)));
  auto b = f.lookup("sip:bob@p2p.example.com");
  REQUIRE(b);
  REQUIRE(b->routes.size() == 1);
  CHECK(b->routes[0].destination_list == path);
}

TEST_CASE("a store the responsible peer refuses reports the RELOAD error name") {
  Fixture f;
  auto r = f.store(bob(), "alice@p2p.example.com", wire::SipRegistration::make_uri("sip:x@y"));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == UsageError::Kind::kReload);
  CHECK(r.error().name() == "Forbidden");
  CHECK(r.error().label() == "forbidden");
  auto bad = f.store(alice(), "not an aor", wire::SipRegistration::make_uri("sip:x@y"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().name() == "Bad_Input");
  CHECK(f.overlay.sent.size() == 1);  // nothing sent for a bad AoR
}

TEST_CASE("remove stores a tombstone: the AoR has no contact afterwards") {
  Fixture f;
  REQUIRE(f.store(alice(), "alice@p2p.example.com", wire::SipRegistration::make_uri("sip:a@h")));
  // Same now_ms: the client still makes storage_time newer.
  CHECK(f.remove(alice(), "alice@p2p.example.com").has_value());
  auto r = f.lookup("alice@p2p.example.com");
  REQUIRE(r);
  CHECK(r->empty());
  CHECK(r->rejected_values == 0);
}

TEST_CASE("the registrant signs its StoreReqs (store and remove), not the node (RFC 6940 §7.3)") {
  Fixture f;
  REQUIRE(f.store(alice(), "alice@p2p.example.com", wire::SipRegistration::make_uri("sip:a@h")));
  REQUIRE(f.remove(alice(), "alice@p2p.example.com"));
  REQUIRE(f.lookup("alice@p2p.example.com"));
  REQUIRE(f.overlay.sent.size() == 3);
  for (std::size_t i : {0u, 1u}) {
    CAPTURE(i);
    CHECK(f.overlay.sent[i].code == wire::MessageCode::kStoreReq);
    CHECK(request_signer(f.overlay.sent[i]) == storage::signer_info(alice().cert));
  }
  // A Fetch carries no stored values: the node signs it.
  CHECK(f.overlay.sent[2].code == wire::MessageCode::kFetchReq);
  CHECK_FALSE(f.overlay.sent[2].signer);
}

TEST_CASE("a lookup reports how long its answer holds: the shortest lifetime down the chain") {
  // RFC 6940 §7: a value is valid for `lifetime` seconds from its storage_time. The gateway's
  // lookup cache keeps an answer no longer than the shortest of them (issue 18).
  Fixture f;
  std::optional<Expected<void, UsageError>> done;
  f.client.store(registrant(alice()), "alice@p2p.example.com",
                 wire::SipRegistration::make_uri("sip:bob@p2p.example.com"), 3600, kNow,
                 [&](auto r) { done = std::move(r); });
  REQUIRE(done);
  REQUIRE(*done);
  done.reset();
  f.client.store(registrant(bob()), "bob@p2p.example.com",
                 wire::SipRegistration::make_uri("sip:bob@192.0.2.2"), 600, kNow,
                 [&](auto r) { done = std::move(r); });
  REQUIRE(done);
  REQUIRE(*done);
  auto r = f.lookup("alice@p2p.example.com");
  REQUIRE(r);
  CHECK(r->uris == std::vector<std::string>{"sip:bob@192.0.2.2"});
  CHECK(r->min_lifetime_s == 600);
  // bob's store came second: storage_time kNow + 1 (strictly increasing per client).
  CHECK(r->earliest_expiry_ms == kNow + 1 + 600'000);
  auto a = f.lookup("bob@p2p.example.com");
  REQUIRE(a);
  CHECK(a->min_lifetime_s == 600);

  // A tombstone is not a registration: nothing found, no lifetime.
  REQUIRE(f.remove(bob(), "bob@p2p.example.com"));
  auto gone = f.lookup("bob@p2p.example.com");
  REQUIRE(gone);
  CHECK(gone->empty());
  CHECK(gone->min_lifetime_s == 0);
  CHECK(gone->earliest_expiry_ms == 0);
}

TEST_CASE("lookup follows uri-form indirection inside the overlay, with a depth limit") {
  Fixture f;
  REQUIRE(f.store(alice(), "alice@p2p.example.com",
                  wire::SipRegistration::make_uri("sip:bob@P2P.example.com")));
  REQUIRE(f.store(bob(), "bob@p2p.example.com",
                  wire::SipRegistration::make_uri("sip:bob@192.0.2.2")));
  auto r = f.lookup("alice@p2p.example.com");
  REQUIRE(r);
  CHECK(r->visited == std::vector<std::string>{"alice@p2p.example.com", "bob@p2p.example.com"});
  CHECK(r->uris == std::vector<std::string>{"sip:bob@192.0.2.2"});

  SipUsageClient shallow(f.overlay, carried, UsageConfig{"p2p.example.com", 0});
  std::optional<Expected<Resolution, UsageError>> s;
  shallow.lookup("alice@p2p.example.com", [&](auto x) { s = std::move(x); });
  REQUIRE(s);
  REQUIRE(*s);
  CHECK((*s)->depth_exceeded);
  CHECK((*s)->empty());
}

TEST_CASE("failed and hostile answers") {
  Fixture f;
  f.overlay.scripted.push_back(OverlayAnswer{});  // timeout
  auto t = f.lookup("alice@p2p.example.com");
  REQUIRE_FALSE(t);
  CHECK(t.error().name() == "Timeout");

  f.overlay.scripted.push_back(error_answer(wire::ErrorCode::kNotFound, "not responsible"));
  auto nf = f.lookup("alice@p2p.example.com");
  REQUIRE_FALSE(nf);
  CHECK(nf.error().message() == "Not_Found (not responsible)");

  f.overlay.scripted.push_back(
      OverlayAnswer{OverlayAnswer::Outcome::kAnswer, wire::MessageCode::kFetchAns, to_bytes("junk"), {}});
  auto junk = f.lookup("alice@p2p.example.com");
  REQUIRE_FALSE(junk);
  CHECK(junk.error().name() == "Bad_Answer");

  f.overlay.scripted.push_back(
      OverlayAnswer{OverlayAnswer::Outcome::kError, wire::MessageCode::kError, to_bytes("\x01"), {}});
  CHECK(f.lookup("alice@p2p.example.com").error().name() == "Bad_Answer");

  // A failure below the first level is counted, not fatal.
  REQUIRE(f.store(alice(), "alice@p2p.example.com",
                  wire::SipRegistration::make_uri("sip:bob@p2p.example.com")));
  f.overlay.scripted.push_back(OverlayAnswer{});
  auto first = wire::encode_to_bytes(
      *f.overlay.store.fetch(wire::FetchReq{aor_resource_id("alice@p2p.example.com").value(),
                                            {wire::StoredDataSpecifier{1, 0, wire::DictionarySpecifier{}}}},
                             kNow));
  f.overlay.scripted.front() = OverlayAnswer{OverlayAnswer::Outcome::kAnswer,
                                             wire::MessageCode::kFetchAns, *first,
                                             f.overlay.answer_certs};
  f.overlay.scripted.push_back(OverlayAnswer{});  // bob's fetch times out
  auto partial = f.lookup("alice@p2p.example.com");
  REQUIRE(partial);
  CHECK(partial->failed_lookups == 1);
  CHECK(partial->empty());
}

TEST_CASE("values are verified against the answer's certificates and USER-NODE-MATCH") {
  Fixture f;
  auto res = aor_resource_id("alice@p2p.example.com").value();
  auto reg = wire::encode_sip_registration(wire::SipRegistration::make_uri("sip:a@h")).value();
  auto value = [&](const Party& signer, const wire::NodeId& key) {
    return signed_data(signer, res, 1,
                       wire::DictionaryEntry{Bytes(key.view().begin(), key.view().end()),
                                             {true, reg}});
  };
  std::size_t rejected = 0;
  storage::CertificateVerifier both({alice().cert, bob().cert});
  CHECK(verified_registrations(one_value(value(alice(), alice().node)), "alice@p2p.example.com",
                               both, rejected).size() == 1);
  CHECK(rejected == 0);
  // Signed by bob (right key, wrong user), keyed by bob's Node-ID under alice's AoR.
  CHECK(verified_registrations(one_value(value(bob(), bob().node)), "alice@p2p.example.com",
                               both, rejected).empty());
  // alice's signature but a dictionary key that is not her Node-ID.
  CHECK(verified_registrations(one_value(value(alice(), bob().node)), "alice@p2p.example.com",
                               both, rejected).empty());
  // mallory claims alice's user name with a certificate the answer did not carry.
  CHECK(verified_registrations(one_value(value(mallory(), mallory().node)),
                               "alice@p2p.example.com", both, rejected).empty());
  // A tampered value.
  auto tampered = value(alice(), alice().node);
  std::get<wire::DictionaryEntry>(tampered.value).value.value.back() ^= std::byte{1};
  CHECK(verified_registrations(one_value(tampered), "alice@p2p.example.com", both, rejected)
            .empty());
  CHECK(rejected == 4);

  // Through the client: an answer that carries no certificates verifies nothing.
  REQUIRE(f.store(alice(), "alice@p2p.example.com", wire::SipRegistration::make_uri("sip:a@h")));
  f.overlay.answer_certs.clear();
  auto r = f.lookup("alice@p2p.example.com");
  REQUIRE(r);
  CHECK(r->empty());
  CHECK(r->rejected_values == 1);
}

TEST_CASE("without a verifier every stored value counts as rejected, not as nothing stored") {
  // `p2psip lookup` exits 1 (no registration) only when nothing was stored; values it could
  // not verify make it exit 3 (lookup failed).
  FakeOverlay overlay;
  SipUsageClient writer{overlay, carried, UsageConfig{"p2p.example.com", 4}};
  std::optional<Expected<void, UsageError>> stored;
  writer.store(registrant(alice()), "alice@p2p.example.com",
               wire::SipRegistration::make_uri("sip:a@h"), 3600, kNow,
               [&](auto r) { stored = std::move(r); });
  REQUIRE(stored);
  REQUIRE(stored->has_value());
  SipUsageClient reader{overlay, [](auto) { return std::unique_ptr<storage::DataVerifier>(); },
                        UsageConfig{"p2p.example.com", 4}};
  std::optional<Expected<Resolution, UsageError>> out;
  reader.lookup("alice@p2p.example.com", [&](auto r) { out = std::move(r); });
  REQUIRE(out);
  REQUIRE(out->has_value());
  CHECK((*out)->empty());
  CHECK((*out)->rejected_values == 1);
}

}  // namespace p2psip::usage::test
