// CertificatePublisher: a node's certificate in the Certificate Store Usage (RFC 6940 §8),
// against a real DataStore (signatures and NODE-MATCH / USER-MATCH checked) or scripted answers.
#include <doctest/doctest.h>

#include "overlay/storage/kinds.h"
#include "overlay/storage/resource_id.h"
#include "overlay/usage/cert_publisher.h"
#include "usage_fake_overlay.h"

using namespace p2psip;
using namespace p2psip::usage;
using namespace p2psip::usage::test;

namespace {

PublisherConfig at_once() {
  PublisherConfig c;
  c.settle = Millis{0};  // the first poll publishes
  return c;
}

CertificatePublisher publisher_for(FakeOverlay& overlay, const Party& p,
                                   PublisherConfig config = at_once()) {
  return CertificatePublisher(overlay, registrant(p).signer, generic(p.cert),
                              certificate_placements(p.cert), config);
}

std::size_t entries(const FakeOverlay& o, const CertificatePlacement& p) {
  const auto* state = o.store.kind_state(p.resource, p.kind);
  return state ? state->entries.size() : 0;
}

}  // namespace

TEST_CASE("certificate_placements: by node at H(each Node-ID), by user at H(user name)") {
  auto where = certificate_placements(alice().cert);  // two Node-IDs
  REQUIRE(where.size() == 3);
  CHECK(where[0] == CertificatePlacement{storage::node_resource_id(alice().node),
                                         storage::kCertificateByNodeKindId});
  CHECK(where[1].kind == storage::kCertificateByNodeKindId);
  CHECK(where[1].resource == storage::node_resource_id(wire::NodeId(alice().cert.node_ids()[1])));
  CHECK(where[2] == CertificatePlacement{storage::resource_id_of(alice().user),
                                         storage::kCertificateByUserKindId});
}

TEST_CASE("CertificatePublisher: stored where the policies allow; a refresh replaces its entry") {
  FakeOverlay overlay;
  auto pub = publisher_for(overlay, bob());
  bool ok = false;
  REQUIRE(pub.poll(Millis{0}, kNow, [&](bool r) { ok = r; }));
  CHECK(ok);
  CHECK(pub.stored());
  auto where = certificate_placements(bob().cert);
  REQUIRE(where.size() == 2);
  for (const auto& p : where) {
    REQUIRE(entries(overlay, p) == 1);
    auto fetched = overlay.store.export_resource(p.resource, kNow, 1);
    REQUIRE(fetched);
    const auto& v = std::get<wire::ArrayEntry>(fetched->kind_data[0].values[0].value);
    CHECK(v.index == 0);
    CHECK(v.value.value == Bytes(bob().cert.der().begin(), bob().cert.der().end()));
  }
  // Not due before 2/3 of the lifetime; then a Fetch finds index 0 and the Store replaces it.
  CHECK_FALSE(pub.poll(Millis{1000}, kNow + 1000));
  REQUIRE(pub.next_deadline() == Millis{2'400'000});
  REQUIRE(pub.poll(Millis{2'400'000}, kNow + 2000, [&](bool r) { ok = r; }));
  CHECK(ok);
  for (const auto& p : where) CHECK(entries(overlay, p) == 1);
  CHECK(pub.publications() == 2);
}

TEST_CASE("CertificatePublisher: another certificate of the same user goes to the end") {
  FakeOverlay overlay;
  // mallory's certificate names alice's user name: the same CERTIFICATE_BY_USER array.
  auto first = publisher_for(overlay, alice());
  auto second = publisher_for(overlay, mallory());
  REQUIRE(first.poll(Millis{0}, kNow));
  REQUIRE(second.poll(Millis{0}, kNow + 1));
  CertificatePlacement by_user{storage::resource_id_of(alice().user),
                               storage::kCertificateByUserKindId};
  CHECK(entries(overlay, by_user) == 2);
}

TEST_CASE("CertificatePublisher: a failure is retried after a doubling delay") {
  FakeOverlay overlay;
  for (int i = 0; i < 8; ++i) overlay.scripted.push_back(OverlayAnswer{});  // timeouts
  PublisherConfig config = at_once();
  auto pub = publisher_for(overlay, bob(), config);
  bool ok = true;
  REQUIRE(pub.poll(Millis{0}, kNow, [&](bool r) { ok = r; }));
  CHECK_FALSE(ok);
  CHECK_FALSE(pub.stored());
  CHECK(pub.next_deadline() == config.retry_delay);
  REQUIRE(pub.poll(config.retry_delay, kNow + 10));
  CHECK(pub.next_deadline() == config.retry_delay + config.retry_delay * 2);
}

TEST_CASE("CertificatePublisher: the first publication waits for the neighbours to settle") {
  FakeOverlay overlay;
  PublisherConfig config;
  auto pub = publisher_for(overlay, bob(), config);
  CHECK_FALSE(pub.poll(Millis{1000}, kNow));  // ready (joined): not at once
  CHECK(pub.next_deadline() == Millis{1000} + config.settle);
  CHECK_FALSE(pub.poll(Millis{2000}, kNow));
  pub.ring_changed(Millis{4000});  // still moving
  CHECK(pub.next_deadline() == Millis{4000} + config.settle);
  pub.ring_changed(Millis{1000} + config.max_settle);  // never quiet: at most max_settle
  CHECK(pub.next_deadline() == Millis{1000} + config.max_settle);
  REQUIRE(pub.poll(Millis{1000} + config.max_settle, kNow));
  pub.ring_changed(Millis{70000});  // after the first publication: the refresh schedule rules
  CHECK(pub.next_deadline() == Millis{1000} + config.max_settle + Millis{2'400'000});
}

TEST_CASE("CertificatePublisher: a renewed certificate is stored at once, beside the old one") {
  FakeOverlay overlay;
  auto pub = publisher_for(overlay, bob());
  REQUIRE(pub.poll(Millis{0}, kNow));
  REQUIRE(pub.next_deadline() == Millis{2'400'000});
  pub.replace(registrant(bob_renewed()).signer, generic(bob_renewed().cert), Millis{5000});
  CHECK(pub.next_deadline() == Millis{5000});  // not at the old refresh
  bool ok = false;
  REQUIRE(pub.poll(Millis{5000}, kNow + 5000, [&](bool r) { ok = r; }));
  CHECK(ok);  // signed by the renewed certificate: NODE-MATCH / USER-MATCH pass
  Bytes renewed(bob_renewed().cert.der().begin(), bob_renewed().cert.der().end());
  for (const auto& p : certificate_placements(bob().cert)) {
    REQUIRE(entries(overlay, p) == 2);  // §8: new certificates at the end of the list
    auto fetched = overlay.store.export_resource(p.resource, kNow + 5000, 1);
    REQUIRE(fetched);
    const auto& values = fetched->kind_data[0].values;
    CHECK(std::get<wire::ArrayEntry>(values.back().value).value.value == renewed);
  }
}
