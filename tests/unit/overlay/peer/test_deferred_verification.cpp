// PeerConfig::deferred_verification: a delivered message waits for the driver's
// VerifySignature result (on_verified) before anything else happens to it.
#include <doctest/doctest.h>

#include "overlay/wire/bodies.h"
#include "peer_core_fixture.h"

using namespace p2psip;
using namespace p2psip::peer;
using test::id;

namespace {

// Node A (id 100) with X (50) and Y (200), verifying through VerifySignature actions.
struct Deferred {
  SimSigner signer{id(100)};
  PeerCore core;
  Millis now{1000};
  std::vector<Action> pending;  // actions taken but not performed yet

  static PeerConfig config(bool share_answers = false) {
    PeerConfig c = test::Fixture::make_config();
    c.deferred_verification = true;
    c.share_answers = share_answers;
    return c;
  }
  explicit Deferred(bool share_answers = false) : core(config(share_answers), signer) {
    core.start(now);
    NodeId x = id(50), y = id(200);
    core.on_link_up(now, 1, x, true);
    core.on_link_up(now, 2, y, true);
    auto to_a = std::vector<wire::Destination>{wire::Destination::node(id(100))};
    core.on_message(now, 1, ping_from(x, 901, test::neighbors_update({y}, {y}),
                                      wire::MessageCode::kUpdateReq));
    core.on_message(now, 2, ping_from(y, 902, test::neighbors_update({x}, {x}),
                                      wire::MessageCode::kUpdateReq));
    verify_all();
    (void)core.take_actions();
    pending.clear();
    REQUIRE(core.routing_table().size() == 2);
  }
  static Bytes ping_from(const NodeId& from, std::uint64_t txid, Bytes body = {},
                         wire::MessageCode code = wire::MessageCode::kPingReq) {
    if (body.empty()) body = *wire::encode_to_bytes(wire::PingReq{});
    return test::signed_message(from, {wire::Destination::node(id(100))}, code, std::move(body),
                                100, {}, txid);
  }
  // The VerifySignature actions now pending (other actions stay in `pending`).
  std::vector<VerifySignature> checks() {
    for (auto& a : core.take_actions()) pending.push_back(std::move(a));
    std::vector<VerifySignature> out;
    std::vector<Action> rest;
    for (auto& a : pending) {
      if (auto* v = std::get_if<VerifySignature>(&a)) out.push_back(*v);
      else rest.push_back(std::move(a));
    }
    pending = std::move(rest);
    return out;
  }
  void verify_all() {
    for (auto v = checks(); !v.empty(); v = checks()) {
      for (auto& c : v) core.on_verified(now, c.id, (*c.check)());
    }
  }
  // Transaction ids of the answers sent on links.
  std::vector<std::uint64_t> answers() {
    for (auto& a : core.take_actions()) pending.push_back(std::move(a));
    std::vector<std::uint64_t> out;
    wire::DecodeParams p;
    p.overlay = test::kOverlay;
    for (auto& a : pending) {
      if (auto* s = std::get_if<SendOnLink>(&a)) {
        auto m = wire::decode_message(ByteView(s->bytes), p);
        REQUIRE(m);
        if (!m->contents.is_request()) out.push_back(m->header.transaction_id);
      }
    }
    pending.clear();
    return out;
  }
};

std::uint64_t pings_received(const PeerCore& core) {
  return core.counters().received[PeerCounters::slot(wire::to_u16(wire::MessageCode::kPingReq))];
}

}  // namespace

TEST_CASE("deferred verification: the message waits for its check, then is answered") {
  Deferred d;
  d.core.on_message(d.now, 1, Deferred::ping_from(id(50), 7));
  auto v = d.checks();
  REQUIRE(v.size() == 1);
  CHECK(pings_received(d.core) == 0);  // nothing happened to it yet
  CHECK(d.answers().empty());
  CHECK((*v[0].check)() == id(50));
  d.core.on_verified(d.now, v[0].id, id(50));
  CHECK(pings_received(d.core) == 1);
  CHECK(d.answers() == std::vector<std::uint64_t>{7});
  // A result nobody waits for (reported twice, or invented) changes nothing.
  d.core.on_verified(d.now, v[0].id, id(50));
  d.core.on_verified(d.now, 12345, id(50));
  CHECK(pings_received(d.core) == 1);
  CHECK(d.answers().empty());
}

TEST_CASE("deferred verification: a failed check is Error_Forbidden, results in any order") {
  Deferred d;
  d.core.on_message(d.now, 1, Deferred::ping_from(id(50), 7));
  d.core.on_message(d.now, 1, Deferred::ping_from(id(50), 8));
  auto v = d.checks();
  REQUIRE(v.size() == 2);
  d.core.on_verified(d.now, v[1].id, std::nullopt);  // the second one's signature is bad
  CHECK(d.core.counters().bad_signature == 1);
  CHECK(d.answers() == std::vector<std::uint64_t>{8});  // its Error_Forbidden
  d.core.on_verified(d.now, v[0].id, id(50));
  CHECK(d.answers() == std::vector<std::uint64_t>{7});
  CHECK(pings_received(d.core) == 1);
}

TEST_CASE("deferred verification: at most kMaxPendingVerifications wait, the rest is dropped") {
  Deferred d;
  const std::size_t max = PeerCore::kMaxPendingVerifications;
  for (std::uint64_t i = 0; i < max + 3; ++i) {
    d.core.on_message(d.now, 1, Deferred::ping_from(id(50), 1000 + i));
  }
  auto v = d.checks();
  CHECK(v.size() == max);
  CHECK(d.core.counters().verify_queue_full == 3);
  for (auto& c : v) d.core.on_verified(d.now, c.id, (*c.check)());
  CHECK(pings_received(d.core) == max);
  // Room again.
  d.core.on_message(d.now, 1, Deferred::ping_from(id(50), 5));
  CHECK(d.checks().size() == 1);
}

TEST_CASE("deferred verification: messages the node sends itself are not deferred") {
  Deferred d;
  std::optional<RequestResult> r;
  d.core.send_request(d.now, wire::Destination::node(id(100)), wire::MessageCode::kPingReq,
                      *wire::encode_to_bytes(wire::PingReq{}),
                      [&](const RequestResult& res) { r = res; });
  REQUIRE(r);
  CHECK(r->outcome == RequestResult::Outcome::kAnswer);
  CHECK(d.checks().empty());
}

namespace {

// A Resource-ID at ring point 150 (Y, 200, is responsible for it).
wire::Destination resource_at_150() {
  NodeId p = id(150);
  return wire::Destination::resource(wire::ResourceId{Bytes(p.bytes().begin(), p.bytes().end())});
}

// Sends a Ping to resource 150 from A and returns the VerifySignature of Y's answer to it.
VerifySignature answer_check(Deferred& d) {
  std::optional<RequestResult> r;
  std::uint64_t txid = d.core.send_request(d.now, resource_at_150(), wire::MessageCode::kPingReq,
                                           *wire::encode_to_bytes(wire::PingReq{}),
                                           [&](const RequestResult& res) { r = res; });
  (void)d.core.take_actions();
  d.core.on_message(d.now, 2,
                    test::signed_message(id(200), {wire::Destination::node(id(100))},
                                         wire::MessageCode::kPingAns,
                                         *wire::encode_to_bytes(wire::PingAns{7, 8}), 99, {}, txid));
  auto v = d.checks();
  REQUIRE(v.size() == 1);
  d.core.on_verified(d.now, v[0].id, (*v[0].check)());
  CHECK(r);  // the answer is delivered as ever
  return v[0];
}

}  // namespace

TEST_CASE("deferred verification: share_answers hands the driver a copy of answers to its requests") {
  Deferred d(true);
  VerifySignature v = answer_check(d);
  REQUIRE(v.answer);
  CHECK(v.answer->target == resource_at_150());
  CHECK(v.answer->message.header.transaction_id != 0);
  CHECK(v.answer->message.contents.code() == wire::MessageCode::kPingAns);
  // Requests from others are not answers to ours: nothing to share.
  d.core.on_message(d.now, 1, Deferred::ping_from(id(50), 7));
  auto req = d.checks();
  REQUIRE(req.size() == 1);
  CHECK_FALSE(req[0].answer);
}

TEST_CASE("deferred verification: without share_answers no copy is made") {
  Deferred d;
  CHECK_FALSE(answer_check(d).answer);
}
