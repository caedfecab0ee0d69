// RFC 6940 §6.5.1 Attach roles (§6.5.1.1, §6.5.1.13), routability only after an Update
// (§6.5.1), §6.1.1 drops, §10.7.3 Updates to the whole Connection Table.
#include <doctest/doctest.h>

#include "tests/unit/overlay/peer/peer_core_fixture.h"

using namespace p2psip;
using namespace p2psip::peer;
using namespace p2psip::peer::test;

namespace {

wire::IpAddressPort candidate_addr() {
  wire::IpAddressPort a;
  a.type = wire::AddressType::kIpv4;
  a.addr[0] = std::byte{10};
  a.addr[3] = std::byte{7};
  a.port = 6084;
  return a;
}

Bytes attach_req(const char* role) {
  wire::AttachReqAns req;
  req.role = role;
  wire::IceCandidate c;
  c.addr_port = candidate_addr();
  c.overlay_link = wire::OverlayLinkType::kTlsTcpFhNoIce;
  c.foundation = "1";
  c.priority = 1;
  c.type = wire::CandType::kHost;
  req.candidates.push_back(c);
  return *wire::encode_to_bytes(req);
}

// A Resource-ID destination at the point id(hi) (one NodeId: its bytes' begin and end must come
// from the same object).
wire::Destination resource_at(std::uint64_t hi) {
  NodeId p = id(hi);
  return wire::Destination::resource(wire::ResourceId{Bytes(p.bytes().begin(), p.bytes().end())});
}

std::vector<OpenLink> opens(std::vector<Action>& actions) {
  std::vector<OpenLink> out;
  for (auto& a : actions) {
    if (auto* o = std::get_if<OpenLink>(&a)) out.push_back(*o);
  }
  return out;
}

std::vector<std::pair<LinkId, wire::Message>> decode_sends(std::vector<Action>& actions) {
  std::vector<std::pair<LinkId, wire::Message>> out;
  wire::DecodeParams p;
  p.overlay = kOverlay;
  for (auto& a : actions) {
    if (auto* s = std::get_if<SendOnLink>(&a)) {
      auto m = wire::decode_message(ByteView(s->bytes), p);
      REQUIRE(m.has_value());
      out.emplace_back(s->link, *m);
    }
  }
  return out;
}

const wire::Message* find_code(const std::vector<std::pair<LinkId, wire::Message>>& v,
                               wire::MessageCode code) {
  for (const auto& [link, m] : v) {
    if (m.contents.code() == code) return &m;
  }
  return nullptr;
}

auto to_a() { return std::vector<wire::Destination>{wire::Destination::node(id(100))}; }

}  // namespace

TEST_CASE("the Attach answerer says active and connects to the requester's candidate") {
  Fixture f;
  NodeId z = id(300);
  f.core.on_message(f.now, 1, f.make(z, to_a(), wire::MessageCode::kAttachReq,
                                     attach_req("passive"), 100, {wire::Destination::node(f.x)}));
  auto actions = f.core.take_actions();
  auto sends = decode_sends(actions);
  const auto* ans = find_code(sends, wire::MessageCode::kAttachAns);
  REQUIRE(ans != nullptr);
  CHECK(wire::decode_attach_req_ans(ByteView(ans->contents.message_body))->role == "active");
  auto o = opens(actions);
  REQUIRE(o.size() == 1);
  CHECK(o[0].addr == candidate_addr());
  CHECK(o[0].expected == z);
  // The link comes up: a connection, but not routable before Z's own Update.
  f.core.on_link_up(f.now, 9, z, true);
  CHECK_FALSE(f.core.routing_table().contains(z));
}

TEST_CASE("the Attach requester says passive and waits for the answerer's link") {
  Fixture f;
  NodeId w = id(120);  // a closer successor than Y (200), named by X
  f.core.on_message(f.now, 1, f.make(f.x, to_a(), wire::MessageCode::kUpdateReq,
                                     neighbors_update({}, {w, f.y}), 100, {}, 7));
  auto actions = f.core.take_actions();
  auto sends = decode_sends(actions);
  const auto* req = find_code(sends, wire::MessageCode::kAttachReq);
  REQUIRE(req != nullptr);
  CHECK(wire::decode_attach_req_ans(ByteView(req->contents.message_body))->role == "passive");
  f.core.on_message(f.now, 1, f.make(w, to_a(), wire::MessageCode::kAttachAns,
                                     attach_req("active"), 99, {}, req->header.transaction_id));
  actions = f.core.take_actions();
  CHECK(opens(actions).empty());  // §6.5.1.13: the answerer is the TLS client
  f.core.on_link_up(f.now, 5, w, false);
  CHECK_FALSE(f.core.routing_table().contains(w));  // §6.5.1: no Update from W yet
  // W joined our Neighbor Table (§10.7.3): an Update to every connection, W included (so that
  // W may take us as its peer), naming W, though we do not route through it yet.
  actions = f.core.take_actions();
  sends = decode_sends(actions);
  std::vector<NodeId> updated;
  for (const auto& [link, m] : sends) {
    if (m.contents.code() != wire::MessageCode::kUpdateReq) continue;
    updated.push_back(*m.header.destination_list.front().node_id());
    auto u = wire::decode_chord_update(ByteView(m.contents.message_body));
    REQUIRE(u.has_value());
    CHECK(u->successors.front() == w);
  }
  CHECK(updated == std::vector<NodeId>{f.x, w, f.y});
  // Messages past W still go through Y; one for W itself may use the link.
  f.core.on_message(f.now, 1, f.make(f.x, {resource_at(150)},
                                     wire::MessageCode::kPingReq,
                                     *wire::encode_to_bytes(wire::PingReq{}), 100, {}, 8));
  sends = f.sent();
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].first == 2);
  f.core.on_message(f.now, 1, f.make(f.x, {wire::Destination::node(w)},
                                     wire::MessageCode::kPingReq,
                                     *wire::encode_to_bytes(wire::PingReq{}), 100, {}, 10));
  sends = f.sent();
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].first == 5);
  // W's own Update makes it routable.
  f.core.on_message(f.now, 5, f.make(w, to_a(), wire::MessageCode::kUpdateReq,
                                     neighbors_update({id(100)}, {f.y}), 100, {}, 11));
  CHECK(f.core.routing_table().contains(w));
  CHECK(f.core.status().successors.front() == w);
}

TEST_CASE("crossing Attaches: the larger Node-ID answers Error_In_Progress (§6.5.1.2)") {
  Fixture f;
  NodeId w = id(120);
  f.core.on_message(f.now, 1, f.make(f.x, to_a(), wire::MessageCode::kUpdateReq,
                                     neighbors_update({}, {w, f.y}), 100, {}, 7));
  (void)f.core.take_actions();
  // W (120 > 100) attaches to us while ours to it is unanswered: we are smaller, we answer.
  f.core.on_message(f.now, 1, f.make(w, to_a(), wire::MessageCode::kAttachReq,
                                     attach_req("passive"), 100, {wire::Destination::node(f.x)},
                                     21));
  auto actions = f.core.take_actions();
  CHECK(find_code(decode_sends(actions), wire::MessageCode::kAttachAns) != nullptr);
  CHECK(opens(actions).size() == 1);
  // V (90 < 100) as well, with our Attach to it unanswered: we are larger.
  Fixture g;
  NodeId v = id(90);
  g.core.on_message(g.now, 1, g.make(g.x, to_a(), wire::MessageCode::kUpdateReq,
                                     neighbors_update({v}, {g.y}), 100, {}, 7));
  (void)g.core.take_actions();
  g.core.on_message(g.now, 1, g.make(v, to_a(), wire::MessageCode::kAttachReq,
                                     attach_req("passive"), 100, {wire::Destination::node(g.x)},
                                     22));
  actions = g.core.take_actions();
  auto sends = decode_sends(actions);
  REQUIRE(sends.size() == 1);
  CHECK(Fixture::error_code(sends[0].second) == wire::to_u16(wire::ErrorCode::kInProgress));
  CHECK(opens(actions).empty());
}

TEST_CASE("a Node-ID in our range, neither us nor connected, is dropped silently (§6.1.1)") {
  Fixture f;  // A (100) is responsible for (50, 100]
  auto before = f.core.counters().unroutable;
  f.core.on_message(f.now, 1, f.make(f.x, {wire::Destination::node(id(75))},
                                     wire::MessageCode::kPingReq,
                                     *wire::encode_to_bytes(wire::PingReq{})));
  CHECK(f.sent().empty());
  CHECK(f.core.counters().unroutable == before + 1);
  // The same point as a Resource-ID is ours: answered.
  f.core.on_message(f.now, 1, f.make(f.x, {resource_at(75)},
                                     wire::MessageCode::kPingReq,
                                     *wire::encode_to_bytes(wire::PingReq{}), 100, {}, 43));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.code() == wire::MessageCode::kPingAns);
}

TEST_CASE("a Neighbor Table change Updates every connection, not only neighbours (§10.7.3)") {
  Fixture f;
  NodeId c = id(160);  // connected (inbound), never sent an Update: not a neighbour
  f.core.on_link_up(f.now, 7, c, false);
  (void)f.core.take_actions();
  f.core.on_link_down(f.now, 2);  // Y fails: the neighbour set changes
  std::vector<NodeId> updated;
  for (const auto& [link, m] : f.sent()) {
    if (m.contents.code() == wire::MessageCode::kUpdateReq) {
      updated.push_back(*m.header.destination_list.front().node_id());
    }
  }
  CHECK(std::find(updated.begin(), updated.end(), f.x) != updated.end());
  CHECK(std::find(updated.begin(), updated.end(), c) != updated.end());
}

TEST_CASE("a client answers its peer's Update but takes no one as a peer and Updates no one") {
  PeerConfig cfg;
  cfg.node_id = id(300);
  cfg.overlay = kOverlay;
  cfg.client = true;
  cfg.bootstrap = {candidate_addr()};
  SimSigner signer(cfg.node_id);
  PeerCore core(cfg, signer);
  core.start(Millis{0});
  core.on_link_up(Millis{0}, 9, id(100), true);
  (void)core.take_actions();
  Fixture f;  // only its message builder
  core.on_message(Millis{0}, 9, f.make(id(100), {wire::Destination::node(id(300))},
                                       wire::MessageCode::kUpdateReq,
                                       neighbors_update({id(50)}, {id(200)})));
  auto actions = core.take_actions();
  auto sends = decode_sends(actions);
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].second.contents.code() == wire::MessageCode::kUpdateAns);
  CHECK(core.routing_table().size() == 0);
}
