// The usage glue of the real node: answers' certificates are trusted only when they chain to
// the overlay's roots, and the node's credentials make a registrant whose signatures verify.
#include <doctest/doctest.h>

#include "overlay/api/usage_glue.h"
#include "overlay/security/ca.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/usage/sip_usage.h"

namespace p2psip::overlay {

namespace sec = p2psip::security;

namespace {

const sec::SysSeconds kNow{std::chrono::seconds{1'700'000'000}};
constexpr const char* kOverlay = "p2p.example.com";

sec::CertificateAuthority make_ca() {
  auto ca = sec::CertificateAuthority::create(kOverlay, sec::KeyType::ec_p256, 365,
                                              kNow - std::chrono::hours(1));
  REQUIRE(ca);
  return std::move(*ca);
}

peer::NodeCredentials issue(const sec::CertificateAuthority& ca, const std::string& user) {
  sec::NodeId id{};
  id.fill(std::byte{0x42});
  auto c = ca.issue(sec::IssueRequest{user, {id}, sec::KeyType::ec_p256, 30}, kNow);
  REQUIRE(c);
  std::vector<sec::RootCertificate> roots;
  roots.push_back(*sec::RootCertificate::from_der(ca.root().der()));
  return peer::NodeCredentials{c->certificate, std::move(c->key), std::move(roots)};
}

wire::StoredData signed_value(const usage::Registrant& who, const wire::ResourceId& res) {
  return usage::build_registration(res, who.node, wire::SipRegistration::make_uri("sip:a@h"),
                                   1'700'000'000'000, 60, *who.signer)
      .value()
      .values.at(0);
}

}  // namespace

TEST_CASE("registrant from node credentials; verifier trusts only certificates of our CA") {
  auto ours = make_ca();
  auto theirs = make_ca();  // same overlay name, another root
  auto alice = issue(ours, "alice@p2p.example.com");
  auto mallory = issue(theirs, "alice@p2p.example.com");
  auto a = make_registrant(alice);
  auto m = make_registrant(mallory);
  REQUIRE(a);
  REQUIRE(m);
  CHECK(a->certificates.size() == 1);
  CHECK(a->node == wire::NodeId(alice.cert.node_ids().front()));

  ManualClock clock(Millis{0}, static_cast<std::uint64_t>(kNow.time_since_epoch().count()) * 1000);
  auto factory = chain_verifier(copy_roots(alice.roots), kOverlay, clock);
  auto res = usage::aor_resource_id("alice@p2p.example.com").value();
  std::vector<wire::GenericCertificate> carried = a->certificates;
  carried.insert(carried.end(), m->certificates.begin(), m->certificates.end());
  auto verifier = factory(carried);
  auto ok = storage::verify_stored_data(*verifier, res, 1, signed_value(*a, res));
  REQUIRE(ok);
  CHECK(ok->user == "alice@p2p.example.com");
  CHECK_FALSE(storage::verify_stored_data(*verifier, res, 1, signed_value(*m, res)));
  // Without the certificate in the answer nothing verifies.
  CHECK_FALSE(storage::verify_stored_data(*factory({}), res, 1, signed_value(*a, res)));
  // Garbage "certificates" are skipped, not fatal.
  std::vector<wire::GenericCertificate> junk{{wire::CertificateType::kX509, to_bytes("junk")}};
  CHECK_FALSE(storage::verify_stored_data(*factory(junk), res, 1, signed_value(*a, res)));
}

}  // namespace p2psip::overlay
