// PeerCore and the size rules of RFC 6940: max_response_length (§6.3.2), oversized requests
// (§6.3.3.1, the head the link layer hands on) and reassembly at the destination (§6.7).
#include <doctest/doctest.h>

#include "overlay/chord/ring.h"
#include "overlay/peer/peer_core.h"
#include "overlay/peer/sim_signer.h"
#include "overlay/wire/fragmentation.h"
#include "peer_core_fixture.h"

using namespace p2psip;
using namespace p2psip::peer;

namespace {

using test::id;
using test::kOverlay;

// The PeerCore tests' node A (peer_core_fixture.h) and Pings of any size to it.
struct Fixture : test::Fixture {
  // A Ping to A signed by `from`, `padding` bytes of padding.
  Bytes ping(const NodeId& from, std::size_t padding, std::uint32_t max_response_length = 0,
             std::uint64_t txid = 42) {
    SimSigner s(from);
    wire::Message m;
    m.header.overlay = kOverlay;
    m.header.transaction_id = txid;
    m.header.max_response_length = max_response_length;
    m.header.destination_list = {wire::Destination::node(id(100))};
    m.contents.message_code = wire::to_u16(wire::MessageCode::kPingReq);
    m.contents.message_body = *wire::encode_to_bytes(wire::PingReq{Bytes(padding)});
    m.security = s.sign(wire::signature_input(kOverlay, txid, m.contents, s.identity()));
    return *wire::encode_message(m, 1 << 20);
  }
};

}  // namespace

TEST_CASE("max_response_length: a larger answer becomes Error_Response_Too_Large") {
  Fixture f;
  f.core.on_message(f.now, 1, f.ping(f.x, 0, 60, 1));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 1);
  REQUIRE(out[0].second.contents.is_error());
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kResponseTooLarge));
  CHECK(out[0].second.header.transaction_id == 1);

  f.core.on_message(f.now, 1, f.ping(f.x, 0, 0, 2));  // zero: no limit
  out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.code() == wire::MessageCode::kPingAns);

  f.core.on_message(f.now, 1, f.ping(f.x, 0, 5000, 3));  // the answer fits
  out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.code() == wire::MessageCode::kPingAns);
}

TEST_CASE("the head of an oversized request gets Error_Message_Too_Large") {
  Fixture f;
  Bytes big = f.ping(f.x, 5600);
  REQUIRE(big.size() > 5000);
  // What the link layer hands on for a frame over the max message size (wire/framing.h).
  f.core.on_message(f.now, 1, ByteView(big).first(5000));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 1);
  REQUIRE(out[0].second.contents.is_error());
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kMessageTooLarge));
}

TEST_CASE("fragments addressed to this node are reassembled and answered (§6.7)") {
  Fixture f;
  Bytes whole = f.ping(f.x, 700);
  auto pieces = wire::fragment_message(whole, 500);
  REQUIRE(pieces.has_value());
  REQUIRE(pieces->size() >= 2);
  for (std::size_t i = 0; i + 1 < pieces->size(); ++i) {
    f.core.on_message(f.now, 1, (*pieces)[i]);
    CHECK(f.sent().empty());
  }
  // A different previous hop with the same transaction id does not complete X's message.
  f.core.on_message(f.now, 2, pieces->back());
  CHECK(f.sent().empty());
  f.core.on_message(f.now, 1, pieces->back());
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 1);
  CHECK(out[0].second.contents.code() == wire::MessageCode::kPingAns);
  CHECK(out[0].second.header.transaction_id == 42);
}
