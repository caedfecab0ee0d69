// Messages a node sends itself (peer_in_process.cpp): a request to a destination in its own
// range and its answer never leave the process, so they are neither signed nor verified;
// every message that reaches a link is signed exactly as before.
#include <doctest/doctest.h>

#include <memory>

#include "overlay/wire/bodies.h"
#include "peer_core_fixture.h"

using namespace p2psip;
using namespace p2psip::peer;
using test::id;
using test::kOverlay;

namespace {

wire::Destination resource_at(const NodeId& n) {
  return wire::Destination::resource(wire::ResourceId{Bytes(n.bytes().begin(), n.bytes().end())});
}
wire::GenericCertificate cert(std::string_view s) {
  return wire::GenericCertificate{wire::CertificateType::kX509, to_bytes(s)};
}

// SimSigner, counted, with a certificate in its blocks as the real NodeSigner has.
struct CountingSigner final : MessageSigner {
  explicit CountingSigner(const NodeId& self) : sim(self) {}
  SimSigner sim;
  int signs = 0, verifies = 0;
  wire::GenericCertificate own = cert("node certificate");

  wire::SignerIdentity identity() const override { return sim.identity(); }
  wire::SecurityBlock sign(ByteView input) override {
    ++signs;
    wire::SecurityBlock b = sim.sign(input);
    b.certificates = {own};
    return b;
  }
  std::optional<NodeId> verify(const wire::Message& m) override {
    ++verifies;
    return sim.verify(m);
  }
  std::vector<wire::GenericCertificate> certificates() const override { return {own}; }
};

// A registrant's signer for RequestSigner (a SimSigner signature naming `self`).
struct SimDataSigner final : storage::DataSigner {
  explicit SimDataSigner(const NodeId& self) : sim(self) {}
  SimSigner sim;
  int signs = 0;
  wire::SignerIdentity identity() const override { return sim.identity(); }
  wire::Signature sign(ByteView input) override {
    ++signs;
    return sim.sign(input).signature;
  }
};

// Answers every request with a FetchAns and a value signer's certificate.
struct Store final : StorageHandler {
  int requests = 0;
  NodeId last_sender;
  StorageAnswer on_request(Millis, const StorageRequest& r) override {
    ++requests;
    last_sender = r.sender;
    return StorageAnswer{wire::MessageCode::kFetchAns, Bytes{std::byte{1}, std::byte{2}},
                         {cert("value signer")}};
  }
  void on_ring_changed(Millis, const chord::RoutingTable&) override {}
};

Bytes make(const NodeId& from, std::vector<wire::Destination> dests, wire::MessageCode code,
           Bytes body, std::uint64_t txid) {
  return test::signed_message(from, std::move(dests), code, std::move(body), 100, {}, txid);
}

// Node A (id 100) on a ring with X (50) and Y (200) over links 1 and 2: A is responsible for
// (50, 100].
struct InProcess {
  CountingSigner signer{id(100)};
  Store store;
  PeerCore core{test::Fixture::make_config(), signer, &store};
  NodeId x = id(50);
  Millis now{1000};

  InProcess() {
    core.start(now);
    test::link_x_and_y(core, now);
    signer.signs = signer.verifies = 0;
  }
  // The messages sent on links, decoded, and whom SimSigner's verify names as their signer.
  struct Sent {
    LinkId link;
    wire::Message m;
    std::optional<NodeId> signer;
  };
  std::vector<Sent> sent() {
    std::vector<Sent> out;
    for (auto& [link, m] : test::sent_messages(core)) {
      out.push_back({link, m, SimSigner(id(1)).verify(m)});
    }
    return out;
  }
  std::uint64_t last_txid = 0;
  std::optional<RequestResult> fetch(const wire::Destination& to, RequestSigner as = {}) {
    std::optional<RequestResult> result;
    last_txid = core.send_request(now, to, wire::MessageCode::kFetchReq, Bytes{std::byte{9}},
                      [&](const RequestResult& r) { result = r; }, {}, std::move(as));
    return result;
  }
};

std::uint64_t sent_count(const PeerCore& core, wire::MessageCode c) {
  return core.counters().sent[PeerCounters::slot(wire::to_u16(c))];
}
std::uint64_t received_count(const PeerCore& core, wire::MessageCode c) {
  return core.counters().received[PeerCounters::slot(wire::to_u16(c))];
}

}  // namespace

TEST_CASE("a Fetch the node answers itself is neither signed nor verified and stays inside") {
  InProcess f;
  auto r = f.fetch(resource_at(id(80)));
  REQUIRE(r);
  CHECK(r->outcome == RequestResult::Outcome::kAnswer);
  CHECK(r->code == wire::MessageCode::kFetchAns);
  CHECK(r->body == Bytes{std::byte{1}, std::byte{2}});
  CHECK(r->sender == id(100));
  // The certificates the requester sees are those a signed answer carried.
  CHECK(r->certificates == std::vector{f.signer.own, cert("value signer")});
  CHECK(f.store.requests == 1);
  CHECK(f.store.last_sender == id(100));
  CHECK(f.signer.signs == 0);
  CHECK(f.signer.verifies == 0);
  CHECK(f.core.counters().in_process == 2);
  CHECK(f.core.counters().bad_signature == 0);
  CHECK(f.sent().empty());
  // Counted as sent and received as before.
  CHECK(sent_count(f.core, wire::MessageCode::kFetchReq) == 1);
  CHECK(sent_count(f.core, wire::MessageCode::kFetchAns) == 1);
  CHECK(received_count(f.core, wire::MessageCode::kFetchReq) == 1);
  CHECK(received_count(f.core, wire::MessageCode::kFetchAns) == 1);
}

TEST_CASE("a Fetch from another node is verified and its answer signed") {
  InProcess f;
  f.core.on_message(f.now, 1, make(f.x, {resource_at(id(80))}, wire::MessageCode::kFetchReq,
                                   Bytes{std::byte{9}}, 77));
  CHECK(f.signer.verifies == 1);
  CHECK(f.signer.signs == 1);
  CHECK(f.store.last_sender == f.x);
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].link == 1);
  CHECK(out[0].m.contents.code() == wire::MessageCode::kFetchAns);
  CHECK(out[0].signer == id(100));
  CHECK(out[0].m.security.certificates == std::vector{f.signer.own, cert("value signer")});
  CHECK(f.core.counters().in_process == 0);

  // A forged copy "from" X that is not signed is still refused.
  wire::DecodeParams p;
  p.overlay = kOverlay;
  auto forged = *wire::decode_message(
      make(f.x, {resource_at(id(80))}, wire::MessageCode::kFetchReq, Bytes{}, 78), p);
  forged.security.signature.value.clear();
  f.core.on_message(f.now, 1, *wire::encode_message(forged));
  CHECK(f.core.counters().bad_signature == 1);
  CHECK(f.store.requests == 1);
}

TEST_CASE("a request to itself that leaves later is signed once, its retransmissions equal") {
  InProcess f;
  // Node-ID 80: in A's range, no link: the Ping loops back and is dropped (§6.1.1).
  std::optional<RequestResult> result;
  auto txid = f.core.send_request(f.now, wire::Destination::node(id(80)), wire::MessageCode::kPingReq,
                      *wire::encode_to_bytes(wire::PingReq{}),
                      [&](const RequestResult& r) { result = r; });
  CHECK(f.signer.signs == 0);
  CHECK(f.sent().empty());
  CHECK_FALSE(result);
  // 80 links up; the retransmissions go over its link, signed like any request.
  f.core.on_link_up(f.now, 3, id(80), false);
  (void)f.sent();
  std::vector<InProcess::Sent> pings;
  for (int i = 0; i < 2; ++i) {
    f.now += f.core.config().reliability_timer;
    f.core.on_timer(f.now);
    for (auto& s : f.sent()) {
      if (s.m.contents.code() == wire::MessageCode::kPingReq) pings.push_back(s);
    }
  }
  REQUIRE(pings.size() == 2);
  for (const auto& s : pings) {
    CHECK(s.link == 3);
    CHECK(s.signer == id(100));
    CHECK(s.m.security.certificates == std::vector{f.signer.own});
    CHECK(s.m.header.transaction_id == txid);
  }
  CHECK(pings[0].m == pings[1].m);
  CHECK(f.signer.signs == 1);
}

TEST_CASE("a request to itself with a registrant's signature is still signed and verified") {
  InProcess f;
  auto alice = std::make_shared<SimDataSigner>(id(77));
  auto r = f.fetch(resource_at(id(80)), RequestSigner{alice, {cert("alice")}});
  REQUIRE(r);
  CHECK(r->outcome == RequestResult::Outcome::kAnswer);
  CHECK(alice->signs == 1);
  CHECK(f.signer.verifies == 1);        // the request: §7.3 needs its signer
  CHECK(f.store.last_sender == id(77));
  CHECK(f.signer.signs == 0);           // the answer to ourselves
  CHECK(f.core.counters().in_process == 1);
}

TEST_CASE("a duplicate of a request answered in-process gets the cached answer replayed inside") {
  InProcess f;
  REQUIRE(f.fetch(resource_at(id(80))));
  // X sends a request with the same transaction id: the cached answer goes where it went,
  // to this node, as before; it is recognised as ours and dropped as unmatched.
  f.core.on_message(f.now, 1, make(f.x, {resource_at(id(80))}, wire::MessageCode::kFetchReq,
                                   Bytes{std::byte{9}}, f.last_txid));
  CHECK(f.core.counters().duplicate_requests == 1);
  CHECK(f.core.counters().unmatched_answers == 1);
  CHECK(f.core.counters().bad_signature == 0);
  CHECK(f.sent().empty());
}
