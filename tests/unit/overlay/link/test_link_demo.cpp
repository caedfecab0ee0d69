// Demo for the tshark oracle (DESIGN.md §7), run by tshark_link_demo.sh: with
// P2PSIP_LINK_DEMO_PORT set, two links exchange a RELOAD Ping request and answer over a
// listener on that port, so that a capture on lo, decrypted with the key log, shows RELOAD
// framing (data and ack frames) and messages. Without the variable the test does nothing.

#include <doctest/doctest.h>

#include <cstdlib>

#include "overlay/wire/message.h"
#include "overlay/wire/overlay_hash.h"
#include "peer_fixture.h"

using namespace p2psip;
using namespace p2psip::link;
using namespace p2psip::link::test;

namespace {

Bytes ping(wire::MessageCode code, const wire::NodeId& from, const wire::NodeId& to) {
  wire::Message m;
  m.header.overlay = wire::overlay_hash(kOverlay);
  m.header.configuration_sequence = 1;
  m.header.transaction_id = 0x1122334455667788ull;
  m.header.via_list = {wire::Destination::node(from)};
  m.header.destination_list = {wire::Destination::node(to)};
  m.header.max_response_length = code == wire::MessageCode::kPingReq ? 5000 : 0;
  m.contents.message_code = wire::to_u16(code);
  // PingReq: opaque padding<0..2^16-1>; PingAns: uint64 response_id, uint64 time.
  m.contents.message_body = code == wire::MessageCode::kPingReq ? Bytes(2, std::byte{0})
                                                                : Bytes(16, std::byte{0x01});
  m.security.signature.identity = {wire::SignerIdentityType::kCertHash, wire::kHashSha256,
                                   Bytes(32, std::byte{0x11})};
  m.security.signature.value = Bytes(64, std::byte{0x5c});
  return wire::encode_message(m).value();
}

}  // namespace

TEST_CASE("link demo: a RELOAD Ping over a link on a fixed port") {
  const char* port_text = std::getenv("P2PSIP_LINK_DEMO_PORT");
  if (port_text == nullptr) return;
  Loop loop;
  Peer a(loop, 0x10);
  Peer b(loop, 0x20);
  auto port = b.links->listen("127.0.0.1", static_cast<std::uint16_t>(std::atoi(port_text)));
  REQUIRE(port.has_value());
  b.rec.on_message_hook = [&](LinkId l, ByteView) {
    (void)b.links->send(l, ping(wire::MessageCode::kPingAns, node_id(0x20), node_id(0x10)));
  };
  auto link = a.links->connect("127.0.0.1", *port, node_id(0x20));
  REQUIRE(link.has_value());
  REQUIRE(a.links->send(*link, ping(wire::MessageCode::kPingReq, node_id(0x10), node_id(0x20)))
              .has_value());
  REQUIRE(loop.run_until([&] {
    return a.rec.messages.size() == 1 && a.links->info(*link)->unacked == 0;
  }));
  a.links->close(*link);
  CHECK(loop.run_until([&] { return b.rec.is_down(b.rec.ups.at(0).link); }));
}
