// The usage glue of the real node: answers' certificates are trusted only when they chain to
// the overlay's roots, and the node's credentials make a registrant whose signatures verify.
#include <doctest/doctest.h>

#include <thread>

#include "overlay/api/usage_glue.h"
#include "overlay/security/ca.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/storage/signature_memo.h"
#include "overlay/usage/sip_usage_client.h"
#include "overlay/wire/bodies.h"
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

// What the Node's verify worker hands the hook: a FetchAns of `values` to a Fetch at `res`,
// carrying `certs` in its security block.
peer::AnswerToRequest fetch_answer(const wire::ResourceId& res, std::vector<wire::StoredData> values,
                                   std::vector<wire::GenericCertificate> certs) {
  wire::FetchAns ans{{wire::FetchKindResponse{wire::kSipRegistrationKindId, 1, std::move(values), {}}}};
  peer::AnswerToRequest a;
  a.target = wire::Destination::resource(res);
  a.message.contents.message_code = wire::to_u16(wire::MessageCode::kFetchAns);
  a.message.contents.message_body = wire::encode_to_bytes(ans).value();
  a.message.security.certificates = std::move(certs);
  return a;
}

// The loop's side: SipUsageClient::lookup's verification of the same answer.
std::vector<wire::SipRegistration> loop_lookup(const ChainVerifiers& chains,
                                               const peer::AnswerToRequest& a,
                                               std::size_t& rejected) {
  auto ans = wire::decode_fetch_ans(a.message.contents.message_body, [](wire::KindId) {
    return std::optional<wire::DataModel>(wire::DataModel::kDictionary);
  });
  REQUIRE(ans);
  auto verifier = chains.lookup(a.message.security.certificates);
  REQUIRE(verifier);
  return usage::verified_registrations(*ans, "alice@p2p.example.com", *verifier, rejected);
}

ManualClock clock_at_now() {
  return ManualClock(Millis{0}, static_cast<std::uint64_t>(kNow.time_since_epoch().count()) * 1000);
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

// Issue 18: the verify worker warms the memos so the loop's lookup of the same answer hits.
// (The clock is not moved while the "worker" thread runs: ManualClock is not thread-safe.)
TEST_CASE("prewarm_fetch_answers on another thread: the loop's lookup then hits both memos") {
  auto ca = make_ca();
  auto alice = issue(ca, "alice@p2p.example.com");
  auto a = make_registrant(alice);
  REQUIRE(a);
  auto clock = clock_at_now();
  auto res = usage::aor_resource_id("alice@p2p.example.com").value();
  auto answer = fetch_answer(res, {signed_value(*a, res)}, a->certificates);
  // Fresh memos for each subcase (doctest runs the test case again for each).
  auto chains = chain_verifiers(copy_roots(alice.roots), kOverlay, clock);
  auto hook = prewarm_fetch_answers(chains.prewarm);

  SUBCASE("without prewarm (today): the lookup parses, chains and verifies itself") {
    std::size_t rejected = 0;
    CHECK(loop_lookup(chains, answer, rejected).size() == 1);
    CHECK(rejected == 0);
    CHECK(chains.certificates->hits() == 0);
    CHECK(chains.signatures->hits() == 0);
  }
  SUBCASE("with prewarm: certificate and signature are memo hits on the loop") {
    std::thread worker([&] { hook(answer); });
    worker.join();
    CHECK(chains.certificates->size() == 1);
    CHECK(chains.signatures->size() == 1);
    std::size_t rejected = 0;
    auto regs = loop_lookup(chains, answer, rejected);
    CHECK(regs.size() == 1);
    CHECK(rejected == 0);
    CHECK(chains.certificates->hits() == 1);
    CHECK(chains.signatures->hits() == 1);
  }
  SUBCASE("a value whose signature does not verify is not memoized; the loop refuses it") {
    auto forged = signed_value(*a, res);
    forged.storage_time += 1;  // covered by the §7.1 signature input
    auto bad = fetch_answer(res, {forged}, a->certificates);
    std::thread worker([&] { hook(bad); });
    worker.join();
    CHECK(chains.signatures->size() == 0);
    std::size_t rejected = 0;
    CHECK(loop_lookup(chains, bad, rejected).empty());
    CHECK(rejected == 1);
    CHECK(chains.signatures->hits() == 0);
  }
  SUBCASE("only FetchAns to a Resource-ID: other answers warm nothing") {
    auto to_node = answer;
    to_node.target = wire::Destination::node(a->node);
    hook(to_node);
    auto store_ans = answer;
    store_ans.message.contents.message_code = wire::to_u16(wire::MessageCode::kStoreAns);
    hook(store_ans);
    CHECK(chains.certificates->size() == 0);
    CHECK(chains.signatures->size() == 0);
  }
}

}  // namespace p2psip::overlay
