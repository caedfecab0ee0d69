// A request signed by another identity than the node's (RFC 6940 §6.3.4, §7.3): a gateway
// stores a phone's registration in a StoreReq signed with the phone's certificate (issued for
// the gateway's Node-ID), so the StoreReq's signer passes USER-NODE-MATCH. The message's
// signature and certificate are the registrant's; the transaction and its answer stay the
// node's.
#include <doctest/doctest.h>

#include "overlay/peer/node_signer.h"
#include "overlay/peer/peer_core.h"
#include "overlay/security/ca.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/wire/overlay_hash.h"

using namespace p2psip;
using namespace p2psip::peer;
namespace sec = p2psip::security;

namespace {

constexpr const char* kOverlayName = "ring.example.org";
const sec::SysSeconds kNow{std::chrono::seconds{1'700'000'000}};

struct Pki {
  sec::CertificateAuthority ca;
  ManualClock clock{Millis{0},
                    static_cast<std::uint64_t>(kNow.time_since_epoch().count()) * 1000 + 60'000};
  std::vector<sec::RootCertificate> roots() const { return {ca.root()}; }
  sec::IssuedCredentials issue(const std::string& user, const sec::NodeId& node) const {
    auto issued = ca.issue(sec::IssueRequest{user, {node}, sec::KeyType::ec_p256, 30}, kNow);
    REQUIRE(issued);
    return std::move(*issued);
  }
  NodeSigner signer(const std::string& user, const sec::NodeId& node) const {
    auto c = issue(user, node);
    return NodeSigner(std::move(c.certificate), std::move(c.key), roots(), clock);
  }
};

Pki make_pki() {
  auto ca = sec::CertificateAuthority::create(kOverlayName, sec::KeyType::ec_p256, 30, kNow);
  REQUIRE(ca);
  return Pki{std::move(*ca)};
}

sec::NodeId node_id(std::uint8_t fill) {
  sec::NodeId id{};
  id.fill(std::byte{fill});
  return id;
}

wire::GenericCertificate generic(const sec::Certificate& c) {
  return {wire::CertificateType::kX509, Bytes(c.der().begin(), c.der().end())};
}

wire::Message decode(const Bytes& bytes) {
  wire::DecodeParams p;
  p.overlay = wire::overlay_hash(kOverlayName);
  auto m = wire::decode_message(ByteView(bytes), p);
  REQUIRE(m);
  return std::move(*m);
}

// The gateway G, alone on its ring, linked (link 1) to a peer P.
struct Gateway {
  Pki pki = make_pki();
  NodeSigner own = pki.signer("gateway@ring.example.org", node_id(0x40));
  NodeSigner peer = pki.signer("peer@ring.example.org", node_id(0x80));
  PeerCore core{config(), own};
  Millis now{1000};

  static PeerConfig config() {
    PeerConfig c;
    c.node_id = to_wire(node_id(0x40));
    c.overlay = wire::overlay_hash(kOverlayName);
    return c;
  }
  Gateway() {
    core.start(now);
    core.on_link_up(now, 1, peer.node_id(), true);
    (void)core.take_actions();
  }
  // The one request sent on the link to P.
  wire::Message sent_to_peer() {
    std::optional<wire::Message> out;
    for (auto& a : core.take_actions()) {
      if (auto* s = std::get_if<SendOnLink>(&a); s && s->link == 1) {
        REQUIRE_FALSE(out);
        out = decode(s->bytes);
      }
    }
    REQUIRE(out);
    return std::move(*out);
  }
  // Who P's storage takes for the StoreReq's signer (the certificates it carried, §7.3).
  std::optional<storage::SignerInfo> request_signer(const wire::Message& m) const {
    auto v = storage::CertificateVerifier::from_block(m.security.certificates, pki.roots(), kNow,
                                                      kOverlayName);
    return v.message_signer(m);
  }
  // P's StoreAns to the request, over link 1.
  void answer(const wire::Message& req) {
    wire::Message m;
    m.header.overlay = req.header.overlay;
    m.header.transaction_id = req.header.transaction_id;
    m.header.destination_list.push_back(wire::Destination::node(core.node_id()));
    m.contents.message_code = wire::to_u16(wire::MessageCode::kStoreAns);
    m.contents.message_body = *wire::encode_to_bytes(wire::StoreAns{});
    m.security = peer.sign(wire::signature_input(m.header.overlay, m.header.transaction_id,
                                                 m.contents, peer.identity()));
    core.on_message(now, 1, *wire::encode_message(m));
  }
};

}  // namespace

TEST_CASE("send_request with a registrant signer: the registrant signs, the node gets the answer") {
  Gateway g;
  // alice's certificate holds the gateway's Node-ID (RFC 7904 §3: the dictionary key is the
  // Node-ID of the node that stores for her).
  auto alice = g.pki.issue("alice@ring.example.org", node_id(0x40));
  auto alice_cert = generic(alice.certificate);
  storage::RequestSigner as_alice{
      std::make_shared<storage::CertificateSigner>(std::move(alice.certificate),
                                                 std::move(alice.key)),
      {alice_cert}};
  std::optional<RequestResult> result;
  g.core.send_request(g.now, wire::Destination::node(g.peer.node_id()),
                      wire::MessageCode::kStoreReq, Bytes{std::byte{7}},
                      [&](const RequestResult& r) { result = r; }, {}, as_alice);
  wire::Message req = g.sent_to_peer();

  // §6.3.4: the signature is alice's and her certificate travels in the block, not the node's.
  CHECK(req.security.signature.identity == as_alice.signer->identity());
  CHECK(req.security.certificates == std::vector<wire::GenericCertificate>{alice_cert});
  auto who = g.request_signer(req);
  REQUIRE(who);
  CHECK(who->user == "alice@ring.example.org");
  // P's message verifier accepts it; the signer's Node-ID is the gateway's.
  auto sender = g.peer.verify(req);
  REQUIRE_MESSAGE(sender, g.peer.last_error());
  CHECK(*sender == g.core.node_id());

  // The answer comes back to the node's transaction.
  g.answer(req);
  REQUIRE(result);
  CHECK(result->outcome == RequestResult::Outcome::kAnswer);
  CHECK(result->code == wire::MessageCode::kStoreAns);
}

TEST_CASE("send_request without a signer: the node's own certificate signs") {
  Gateway g;
  g.core.send_request(g.now, wire::Destination::node(g.peer.node_id()),
                      wire::MessageCode::kStoreReq, Bytes{std::byte{7}}, {});
  wire::Message req = g.sent_to_peer();
  CHECK(req.security.signature.identity == g.own.identity());
  auto who = g.request_signer(req);
  REQUIRE(who);
  CHECK(who->user == "gateway@ring.example.org");
  CHECK(g.peer.verify(req) == g.core.node_id());
}
