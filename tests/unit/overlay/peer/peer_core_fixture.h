#pragma once
// The PeerCore unit tests' node: A (id 100) with links to X (50) and Y (200).
#include <doctest/doctest.h>

#include "overlay/chord/ring.h"
#include "overlay/peer/peer_core.h"
#include "overlay/peer/sim_signer.h"

namespace p2psip::peer::test {

inline Bytes neighbors_update(std::vector<NodeId> preds, std::vector<NodeId> succs) {
  wire::ChordUpdate u;
  u.uptime = 1;
  u.type = wire::ChordUpdateType::kNeighbors;
  u.predecessors = std::move(preds);
  u.successors = std::move(succs);
  return *wire::encode_to_bytes(u);
}

constexpr std::uint32_t kOverlay = 0xabcdef01;
inline NodeId id(std::uint64_t hi) { return chord::from_u128(static_cast<chord::U128>(hi) << 64); }

// A message signed by `from` (SimSigner).
inline Bytes signed_message(const NodeId& from, std::vector<wire::Destination> dests,
                            wire::MessageCode code, Bytes body, std::uint8_t ttl = 100,
                            std::vector<wire::Destination> via = {}, std::uint64_t txid = 42) {
  SimSigner s(from);
  wire::Message m;
  m.header.overlay = kOverlay;
  m.header.ttl = ttl;
  m.header.transaction_id = txid;
  m.header.destination_list = std::move(dests);
  m.header.via_list = std::move(via);
  m.contents.message_code = wire::to_u16(code);
  m.contents.message_body = std::move(body);
  m.security = s.sign(wire::signature_input(kOverlay, txid, m.contents, s.identity()));
  return *wire::encode_message(m);
}

// The messages the core sends on links (its actions, taken), decoded.
inline std::vector<std::pair<LinkId, wire::Message>> sent_messages(PeerCore& core) {
  std::vector<std::pair<LinkId, wire::Message>> out;
  wire::DecodeParams p;
  p.overlay = kOverlay;
  for (auto& a : core.take_actions()) {
    if (auto* s = std::get_if<SendOnLink>(&a)) {
      auto m = wire::decode_message(ByteView(s->bytes), p);
      REQUIRE(m.has_value());
      out.emplace_back(s->link, *m);
    }
  }
  return out;
}

// Node A (id 100), alone on the ring, gets links 1 -> X (50) and 2 -> Y (200); X and Y are
// routable once their own Updates arrived (RFC 6940 §6.5.1).
inline void link_x_and_y(PeerCore& core, Millis now) {
  NodeId x = id(50), y = id(200);
  core.on_link_up(now, 1, x, true);
  core.on_link_up(now, 2, y, true);
  auto to_a = std::vector<wire::Destination>{wire::Destination::node(id(100))};
  core.on_message(now, 1, signed_message(x, to_a, wire::MessageCode::kUpdateReq,
                                         neighbors_update({y}, {y}), 100, {}, 901));
  core.on_message(now, 2, signed_message(y, to_a, wire::MessageCode::kUpdateReq,
                                         neighbors_update({x}, {x}), 100, {}, 902));
  (void)core.take_actions();
}

struct Fixture {
  SimSigner signer{id(100)};
  PeerCore core{make_config(), signer};
  NodeId x = id(50), y = id(200);
  Millis now{1000};

  static PeerConfig make_config() {
    PeerConfig c;
    c.node_id = id(100);
    c.overlay = kOverlay;
    return c;
  }
  Fixture() {
    core.start(now);
    link_x_and_y(core, now);
  }
  Bytes make(const NodeId& from, std::vector<wire::Destination> dests, wire::MessageCode code,
             Bytes body, std::uint8_t ttl = 100, std::vector<wire::Destination> via = {},
             std::uint64_t txid = 42) {
    return signed_message(from, std::move(dests), code, std::move(body), ttl, std::move(via),
                          txid);
  }
  std::vector<std::pair<LinkId, wire::Message>> sent() { return sent_messages(core); }
  static std::uint16_t error_code(const wire::Message& m) {
    return wire::decode_error_response(ByteView(m.contents.message_body))->error_code;
  }
};

}  // namespace p2psip::peer::test
