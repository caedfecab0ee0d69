// A request signed by another identity than the node's (RFC 6940 §6.3.4, §7.3): a gateway
// stores a phone's registration in a StoreReq signed with the phone's certificate (issued for
// the gateway's Node-ID), so the StoreReq's signer passes USER-NODE-MATCH. The message's
// signature and certificate are the registrant's; the transaction and its answer stay the
// node's.
#include <doctest/doctest.h>

#include "../link/link_test_support.h"
#include "overlay/peer/node_signer.h"
#include "overlay/peer/peer_core.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/wire/overlay_hash.h"

using namespace p2psip;
using namespace p2psip::peer;
using namespace p2psip::link::test;

namespace {

security::SysSeconds now_s() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A certificate of the test CA for `user`, holding Node-ID `node`.
security::IssuedCredentials issue_for(const std::string& user, const wire::NodeId& node) {
  auto c = overlay_ca().issue(
      security::IssueRequest{user, {node.bytes()}, security::KeyType::ec_p256, 2}, now_s());
  REQUIRE(c);
  return std::move(*c);
}

NodeSigner signer_for(const std::string& user, const wire::NodeId& node, const Clock& clock) {
  auto c = issue_for(user, node);
  return NodeSigner(std::move(c.certificate), std::move(c.key), {overlay_ca().root()}, clock);
}

wire::GenericCertificate generic(const security::Certificate& c) {
  return {wire::CertificateType::kX509, Bytes(c.der().begin(), c.der().end())};
}

wire::Message decode(const Bytes& bytes) {
  wire::DecodeParams p;
  p.overlay = wire::overlay_hash(kOverlay);
  auto m = wire::decode_message(ByteView(bytes), p);
  REQUIRE(m);
  return std::move(*m);
}

// The gateway G, alone on its ring, linked (link 1) to a peer P.
struct Gateway {
  SystemClock clock;
  NodeSigner own = signer_for("gateway@p2p.example.com", node_id(0x40), clock);
  NodeSigner peer = signer_for("peer@p2p.example.com", node_id(0x80), clock);
  PeerCore core{config(), own};
  Millis now{1000};

  static PeerConfig config() {
    PeerConfig c;
    c.node_id = node_id(0x40);
    c.overlay = wire::overlay_hash(kOverlay);
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
    std::vector<security::RootCertificate> roots{overlay_ca().root()};
    auto v = storage::CertificateVerifier::from_block(m.security.certificates, roots, now_s(),
                                                      kOverlay);
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
  auto alice = issue_for("alice@p2p.example.com", node_id(0x40));
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
  CHECK(who->user == "alice@p2p.example.com");
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
  CHECK(who->user == "gateway@p2p.example.com");
  CHECK(g.peer.verify(req) == g.core.node_id());
}
