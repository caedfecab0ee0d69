#include <doctest/doctest.h>

#include "tests/unit/overlay/peer/peer_core_fixture.h"

using namespace p2psip;
using namespace p2psip::peer;
using namespace p2psip::peer::test;

namespace {

Bytes ping_body() { return *wire::encode_to_bytes(wire::PingReq{}); }

}  // namespace

TEST_CASE("a Ping for this node is answered along the reversed via list") {
  Fixture f;
  f.core.on_message(f.now, 1, f.make(f.x, {wire::Destination::node(id(100))},
                                     wire::MessageCode::kPingReq, ping_body()));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 1);
  CHECK(out[0].second.contents.code() == wire::MessageCode::kPingAns);
  CHECK(out[0].second.header.transaction_id == 42);
  CHECK(out[0].second.header.destination_list == std::vector{wire::Destination::node(f.x)});
  CHECK(f.signer.verify(out[0].second) == id(100));
}

TEST_CASE("a request for a directly connected node is forwarded: via grows, TTL drops") {
  Fixture f;
  f.core.on_message(f.now, 1, f.make(f.x, {wire::Destination::node(f.y)},
                                     wire::MessageCode::kPingReq, ping_body(), 100));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 2);
  CHECK(out[0].second.header.ttl == 99);
  CHECK(out[0].second.header.via_list == std::vector{wire::Destination::node(f.x)});
  CHECK(f.core.counters().forwarded == 1);
}

TEST_CASE("an answer is source-routed: own id popped, next entry is the link") {
  Fixture f;
  f.core.on_message(f.now, 2, f.make(f.y, {wire::Destination::node(id(100)),
                                           wire::Destination::node(f.x)},
                                     wire::MessageCode::kPingAns,
                                     *wire::encode_to_bytes(wire::PingAns{1, 2})));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 1);
  CHECK(out[0].second.header.destination_list == std::vector{wire::Destination::node(f.x)});
  CHECK(out[0].second.header.via_list.empty());
}

TEST_CASE("TTL 0 on a message to forward: Error_TTL_Exceeded to the sender") {
  Fixture f;
  f.core.on_message(f.now, 1, f.make(f.x, {wire::Destination::node(f.y)},
                                     wire::MessageCode::kPingReq, ping_body(), 0));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 1);
  CHECK(out[0].second.contents.is_error());
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kTtlExceeded));
  CHECK(f.core.counters().ttl_exceeded == 1);
}

TEST_CASE("a request whose via list holds this node is a loop") {
  Fixture f;
  f.core.on_message(f.now, 1, f.make(f.x, {wire::Destination::node(f.y)},
                                     wire::MessageCode::kPingReq, ping_body(), 50,
                                     {wire::Destination::node(id(100))}));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.is_error());
  CHECK(f.core.counters().loops == 1);
}

TEST_CASE("malformed bytes: Error_Invalid_Message when a request is readable, else a drop") {
  Fixture f;
  Bytes good = f.make(f.x, {wire::Destination::node(id(100))}, wire::MessageCode::kPingReq,
                      ping_body());
  Bytes bad(good.begin(), good.end() - 3);  // truncated security block, length patched
  auto n = static_cast<std::uint32_t>(bad.size());
  for (int i = 0; i < 4; ++i) bad[16 + static_cast<std::size_t>(i)] = static_cast<std::byte>(n >> (24 - 8 * i));
  f.core.on_message(f.now, 1, bad);
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.is_error());
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kInvalidMessage));

  f.core.on_message(f.now, 1, Bytes(7, std::byte{0x55}));  // not even a header
  CHECK(f.sent().empty());
  CHECK(f.core.counters().dropped_malformed == 1);
  f.core.on_message(f.now, 99, good);  // unknown link
  CHECK(f.sent().empty());
}

TEST_CASE("a bad signature is Error_Forbidden") {
  Fixture f;
  Bytes m = f.make(f.x, {wire::Destination::node(id(100))}, wire::MessageCode::kPingReq,
                   ping_body());
  m[m.size() - 1] ^= std::byte{1};
  f.core.on_message(f.now, 1, m);
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kForbidden));
}

TEST_CASE("unknown method and storage without a handler get error answers") {
  Fixture f;
  f.core.on_message(f.now, 1, f.make(f.x, {wire::Destination::node(id(100))},
                                     wire::MessageCode::kAppAttachReq, {}));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.is_error());
}

TEST_CASE("originated request: 5 transmissions 3 s apart, then a timeout after 15 s") {
  Fixture f;
  int calls = 0;
  RequestResult result;
  auto pings = [&] {
    int n = 0;
    for (auto& [link, m] : f.sent()) n += m.contents.code() == wire::MessageCode::kPingReq;
    return n;
  };
  f.core.send_request(f.now, wire::Destination::node(f.y), wire::MessageCode::kPingReq,
                      ping_body(), [&](const RequestResult& r) { ++calls; result = r; });
  int sends = pings();
  CHECK(sends == 1);
  while (calls == 0) {
    auto d = f.core.next_deadline();
    REQUIRE(d.has_value());
    f.now = *d;
    f.core.on_timer(f.now);
    sends += pings();
  }
  CHECK(sends == 5);
  CHECK(f.now == Millis{1000 + 15000});
  CHECK(result.outcome == RequestResult::Outcome::kTimeout);
  CHECK(f.core.counters().transaction_timeouts >= 1);
}

TEST_CASE("the answer completes the transaction with sender and hop count") {
  Fixture f;
  RequestResult result;
  f.core.send_request(f.now, wire::Destination::node(f.y), wire::MessageCode::kPingReq,
                      ping_body(), [&](const RequestResult& r) { result = r; });
  auto out = f.sent();
  std::erase_if(out, [](const auto& e) {
    return e.second.contents.code() != wire::MessageCode::kPingReq;
  });
  REQUIRE(out.size() == 1);
  std::uint64_t txid = out[0].second.header.transaction_id;
  f.core.on_message(f.now, 2, f.make(f.y, {wire::Destination::node(id(100))},
                                     wire::MessageCode::kPingAns,
                                     *wire::encode_to_bytes(wire::PingAns{7, 8}), 98, {}, txid));
  CHECK(result.outcome == RequestResult::Outcome::kAnswer);
  CHECK(result.sender == f.y);
  CHECK(result.hops == 3);
}

TEST_CASE("a retransmitted Attach gets the same cached answer") {
  Fixture f;
  wire::AttachReqAns req;
  req.role = "active";
  Bytes m = f.make(f.x, {wire::Destination::node(id(100))}, wire::MessageCode::kAttachReq,
                   *wire::encode_to_bytes(req));
  f.core.on_message(f.now, 1, m);
  auto attach_answers = [&] {
    auto v = f.sent();
    std::erase_if(v, [](const auto& e) {
      return e.second.contents.code() != wire::MessageCode::kAttachAns;
    });
    return v;
  };
  auto first = attach_answers();
  f.core.on_message(f.now + Millis{1000}, 1, m);
  auto second = attach_answers();
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  CHECK(first[0].second == second[0].second);
  CHECK(f.core.counters().duplicate_requests == 1);
  auto ans = wire::decode_attach_req_ans(ByteView(first[0].second.contents.message_body));
  REQUIRE(ans.has_value());
  REQUIRE(ans->candidates.size() == 1);
  CHECK(ans->candidates[0].overlay_link == wire::OverlayLinkType::kTlsTcpFhNoIce);
}

TEST_CASE("status snapshot and a lost neighbour") {
  Fixture f;
  auto s = f.core.status();
  CHECK(s.state == PeerState::kJoined);
  CHECK(s.routing_table_size == 2);
  CHECK(s.successors.front() == f.y);
  f.core.on_link_down(f.now, 2);
  s = f.core.status();
  CHECK(s.routing_table_size == 1);
  CHECK(s.successors.front() == f.x);
  CHECK(f.core.counters().link_errors == 1);
}

TEST_CASE("mutated messages never crash the core (bytes flipped, cut, extended)") {
  Fixture f;
  std::vector<Bytes> seeds = {
      f.make(f.x, {wire::Destination::node(id(100))}, wire::MessageCode::kPingReq, ping_body()),
      f.make(f.x, {wire::Destination::node(f.y)}, wire::MessageCode::kPingReq, ping_body()),
      f.make(f.x, {wire::Destination::node(id(100))}, wire::MessageCode::kUpdateReq,
             *wire::encode_to_bytes(wire::ChordUpdate{})),
      f.make(f.x, {wire::Destination::node(id(100))}, wire::MessageCode::kAttachReq,
             *wire::encode_to_bytes(wire::AttachReqAns{})),
  };
  std::uint64_t r = 12345;
  auto next = [&] { r = r * 6364136223846793005ull + 1442695040888963407ull; return r >> 33; };
  for (int k = 0; k < 4000; ++k) {
    Bytes b = seeds[static_cast<std::size_t>(k) % seeds.size()];
    int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = next() % b.size();
      switch (next() % 3) {
        case 0: b[at] = static_cast<std::byte>(next()); break;
        case 1: b.resize(at + 1); break;
        default: b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::byte>(next()));
      }
    }
    f.core.on_message(f.now, 1 + next() % 2, b);
    (void)f.core.take_actions();
  }
  CHECK(f.core.counters().dropped_malformed + f.core.counters().invalid_answered > 0);
}

TEST_CASE("a peer that left is taken back once its own Update comes over a new link") {
  Fixture f;
  auto to_a = std::vector<wire::Destination>{wire::Destination::node(id(100))};
  auto leave =
      wire::make_chord_leave_req(f.y, wire::ChordLeaveData{wire::ChordLeaveType::kFromSucc, {}});
  f.core.on_message(f.now, 2, f.make(f.y, to_a, wire::MessageCode::kLeaveReq,
                                     *wire::encode_to_bytes(leave), 100, {}, 1));
  REQUIRE_FALSE(f.core.routing_table().contains(f.y));
  // A late Update over the old incarnation's link does not undo the Leave.
  f.core.on_message(f.now, 2, f.make(f.y, to_a, wire::MessageCode::kUpdateReq,
                                     neighbors_update({f.x}, {id(100)}), 100, {}, 2));
  CHECK_FALSE(f.core.routing_table().contains(f.y));
  f.core.on_link_down(f.now, 2);
  (void)f.sent();
  // Others still naming it (held down) make us neither attach to it nor route to it.
  f.now += Millis{1000};
  f.core.on_message(f.now, 1, f.make(f.x, to_a, wire::MessageCode::kUpdateReq,
                                     neighbors_update({f.y}, {id(100), f.y}), 100, {}, 3));
  CHECK_FALSE(f.core.routing_table().contains(f.y));
  for (const auto& [link, m] : f.sent()) {
    CHECK(m.contents.code() != wire::MessageCode::kAttachReq);
  }
  // Restarted with the same Node-ID: a new link from it, then its own Update (§10.7.1).
  f.now += Millis{1000};
  f.core.on_link_up(f.now, 3, f.y, false);
  CHECK_FALSE(f.core.routing_table().contains(f.y));
  f.core.on_message(f.now, 3, f.make(f.y, to_a, wire::MessageCode::kUpdateReq,
                                     neighbors_update({f.x}, {id(100)}), 100, {}, 4));
  CHECK(f.core.routing_table().contains(f.y));
  CHECK(f.core.status().successors.front() == f.y);
}
