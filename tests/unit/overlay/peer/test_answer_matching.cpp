// Answers to this node's requests (RFC 6940 §6.3.4): only the node a request was for, or a node
// plausibly responsible for its Resource-ID, may answer; a valid signature alone is not enough.
// And transaction ids (§6.3.2) come from an injected source: the OS's cryptographic one unless
// the simulator injects its seeded sequence.
#include <doctest/doctest.h>

#include <set>

#include "overlay/chord/ring.h"
#include "overlay/peer/peer_core.h"
#include "overlay/peer/sim_signer.h"
#include "peer_core_fixture.h"

using namespace p2psip;
using namespace p2psip::peer;

namespace {

constexpr std::uint32_t kOverlay = 0x5eed0016;
NodeId id(std::uint64_t hi) { return chord::from_u128(static_cast<chord::U128>(hi) << 64); }
wire::Destination resource_at(std::uint64_t hi) {
  NodeId p = id(hi);
  return wire::Destination::resource(wire::ResourceId{Bytes(p.bytes().begin(), p.bytes().end())});
}
Bytes ping_body() { return *wire::encode_to_bytes(wire::PingReq{}); }
Bytes ping_ans() { return *wire::encode_to_bytes(wire::PingAns{7, 8}); }

// Node A (100) on a ring with X (50, link 1), Y (200, link 2) and Z (250, link 3).
struct Ring {
  SimSigner signer{id(100)};
  PeerCore core;
  NodeId x = id(50), y = id(200), z = id(250);
  Millis now{1000};

  explicit Ring(std::function<std::uint64_t()> ids = {}) : core(config(std::move(ids)), signer) {
    core.start(now);
    core.on_link_up(now, 1, x, true);
    core.on_link_up(now, 2, y, true);
    core.on_link_up(now, 3, z, true);
    // Each peer becomes routable (a Neighbor Table member) with its own Update (§6.5.1).
    std::uint64_t txid = 900;
    for (auto [link, from] : {std::pair{1, x}, std::pair{2, y}, std::pair{3, z}}) {
      std::vector<NodeId> others;
      for (const NodeId& n : {x, y, z}) if (n != from) others.push_back(n);
      core.on_message(now, static_cast<LinkId>(link),
                      answer(from, ++txid, wire::MessageCode::kUpdateReq,
                             test::neighbors_update(others, others)));
    }
    (void)core.take_actions();
  }
  static PeerConfig config(std::function<std::uint64_t()> ids) {
    PeerConfig c;
    c.node_id = id(100);
    c.overlay = kOverlay;
    c.transaction_ids = std::move(ids);
    return c;
  }
  // An answer to us with transaction id `txid`, signed by `from`.
  static Bytes answer(const NodeId& from, std::uint64_t txid,
                      wire::MessageCode code = wire::MessageCode::kPingAns,
                      Bytes body = ping_ans()) {
    SimSigner s(from);
    wire::Message m;
    m.header.overlay = kOverlay;
    m.header.ttl = 99;
    m.header.transaction_id = txid;
    m.header.destination_list = {wire::Destination::node(id(100))};
    m.contents.message_code = wire::to_u16(code);
    m.contents.message_body = std::move(body);
    m.security = s.sign(wire::signature_input(kOverlay, txid, m.contents, s.identity()));
    return *wire::encode_message(m);
  }
  // Sends a Ping to `dest`; returns its transaction id; `result` gets the outcome.
  std::uint64_t ping(const wire::Destination& dest, std::optional<RequestResult>& result) {
    std::uint64_t txid = core.send_request(now, dest, wire::MessageCode::kPingReq, ping_body(),
                                           [&result](const RequestResult& r) { result = r; });
    (void)core.take_actions();
    return txid;
  }
};

}  // namespace

TEST_CASE("an answer to a Node-ID request is accepted only from that node (§6.3.4 rule 1)") {
  Ring r;
  std::optional<RequestResult> result;
  std::uint64_t txid = r.ping(wire::Destination::node(r.y), result);
  std::size_t pending = r.core.status().pending_transactions;
  // X holds a valid certificate and knows (or guessed) the transaction id.
  r.core.on_message(r.now, 1, Ring::answer(r.x, txid));
  CHECK_FALSE(result.has_value());
  CHECK(r.core.counters().refused_answers == 1);
  CHECK(r.core.status().pending_transactions == pending);  // the request goes on
  r.core.on_message(r.now, 2, Ring::answer(r.y, txid));
  REQUIRE(result.has_value());
  CHECK(result->outcome == RequestResult::Outcome::kAnswer);
  CHECK(result->sender == r.y);
  CHECK(r.core.counters().refused_answers == 1);
  CHECK(r.core.counters().unmatched_answers == 0);
}

TEST_CASE("a forged error answer is refused like any other answer") {
  Ring r;
  std::optional<RequestResult> result;
  std::uint64_t txid = r.ping(wire::Destination::node(r.y), result);
  auto err = *wire::encode_to_bytes(wire::ErrorResponse::make(wire::ErrorCode::kNotFound, "x"));
  r.core.on_message(r.now, 3, Ring::answer(r.z, txid, wire::MessageCode::kError, err));
  CHECK_FALSE(result.has_value());
  CHECK(r.core.counters().refused_answers == 1);
}

TEST_CASE("an answer to a Resource-ID request comes from a node that may be responsible (rule 2)") {
  Ring r;
  std::optional<RequestResult> result;
  // Point 150: Y (200) is the closest node clockwise, so Y is responsible; X (50) and Z (250)
  // are farther from the point than Y, a member of our Neighbor Table.
  std::uint64_t txid = r.ping(resource_at(150), result);
  r.core.on_message(r.now, 1, Ring::answer(r.x, txid));
  r.core.on_message(r.now, 3, Ring::answer(r.z, txid));
  CHECK_FALSE(result.has_value());
  CHECK(r.core.counters().refused_answers == 2);
  r.core.on_message(r.now, 2, Ring::answer(r.y, txid));
  REQUIRE(result.has_value());
  CHECK(result->sender == r.y);
}

TEST_CASE("a node between the point and our closest neighbour may answer (churn: a new node)") {
  Ring r;
  std::optional<RequestResult> result;
  std::uint64_t txid = r.ping(resource_at(150), result);
  r.core.on_message(r.now, 2, Ring::answer(id(170), txid));  // unknown to us, closer than Y
  REQUIRE(result.has_value());
  CHECK(result->sender == id(170));
  CHECK(r.core.counters().refused_answers == 0);
}

TEST_CASE("an answer for no pending transaction stays unmatched, not refused") {
  Ring r;
  r.core.on_message(r.now, 2, Ring::answer(r.y, 0x1234));
  CHECK(r.core.counters().unmatched_answers == 1);
  CHECK(r.core.counters().refused_answers == 0);
}

TEST_CASE("answer_acceptable: the rules as a pure function") {
  chord::RoutingTable table(id(100), 3);
  table.add_peer(id(50));
  table.add_peer(id(200));
  auto node = expected_answerer(wire::Destination::node(id(200)), TxPurpose::kApp);
  CHECK(answer_acceptable(node, id(200), table));
  CHECK_FALSE(answer_acceptable(node, id(199), table));
  auto res = expected_answerer(resource_at(150), TxPurpose::kApp);
  CHECK(answer_acceptable(res, id(200), table));
  CHECK(answer_acceptable(res, id(150), table));  // a node exactly at the point
  CHECK_FALSE(answer_acceptable(res, id(149), table));  // just before it: not responsible
  CHECK_FALSE(answer_acceptable(res, id(50), table));
  // A finger Attach to the node a finger Ping found: that node only (§10.7.4.2).
  auto finger = expected_answerer(wire::Destination::node(id(150)), TxPurpose::kFingerAttach);
  CHECK(answer_acceptable(finger, id(150), table));
  CHECK_FALSE(answer_acceptable(finger, id(200), table));
  chord::RoutingTable empty(id(100), 3);
  CHECK(answer_acceptable(res, id(60), empty));  // no Neighbor Table: rule 2 cannot refuse
}

TEST_CASE("transaction ids come from the injected source") {
  std::uint64_t next = 0x1000;
  Ring r([&next] { return next++; });
  std::optional<RequestResult> result;
  CHECK(next > 0x1000);  // the Updates on link up took the first ones
  std::uint64_t expect = next;
  CHECK(r.ping(wire::Destination::node(r.y), result) == expect);
  CHECK(r.ping(wire::Destination::node(r.y), result) == expect + 1);
}

TEST_CASE("without an injected source ids are not the seed's SplitMix64 sequence") {
  // Two nodes with the same seed and Node-ID: the seeded sequence would repeat, the
  // cryptographic source does not (a collision of 8 random bytes is 2^-64).
  Ring a, b;
  std::optional<RequestResult> result;
  std::set<std::uint64_t> ids;
  for (int i = 0; i < 4; ++i) {
    ids.insert(a.ping(wire::Destination::node(a.y), result));
    ids.insert(b.ping(wire::Destination::node(b.y), result));
  }
  CHECK(ids.size() == 8);
  auto seeded = seeded_transaction_ids(1 ^ chord::high64(id(100)));
  std::set<std::uint64_t> s;
  for (int i = 0; i < 8; ++i) s.insert(seeded());
  for (std::uint64_t v : s) CHECK(ids.count(v) == 0);
}

TEST_CASE("seeded_transaction_ids replays exactly (the simulator's determinism)") {
  auto a = seeded_transaction_ids(7), b = seeded_transaction_ids(7), c = seeded_transaction_ids(8);
  for (int i = 0; i < 4; ++i) {
    std::uint64_t va = a();
    CHECK(va == b());
    CHECK(va != c());
  }
  CHECK(crypto_transaction_id() != crypto_transaction_id());
}
