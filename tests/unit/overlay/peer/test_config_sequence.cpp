// The configuration sequence (RFC 6940 §6.3.2.1) and ConfigUpdate (§6.5.4): the pure decision,
// and PeerCore applying it (answers, ConfigUpdate to a node with an older document, the
// handler hearing of newer sequences and judging received documents).
#include <doctest/doctest.h>

#include "overlay/peer/config_sequence.h"
#include "overlay/peer/config_update_limit.h"
#include "tests/unit/overlay/peer/peer_core_fixture.h"

namespace p2psip::peer {
namespace {

using test::Fixture;
using test::id;
using wire::MessageCode;

constexpr std::uint16_t kPing = wire::to_u16(MessageCode::kPingReq);
constexpr std::uint16_t kUpdate = wire::to_u16(MessageCode::kConfigUpdateReq);

TEST_CASE("configuration sequences compare mod 65535 as in TCP; 0 is not checked") {
  CHECK(sequence_newer(6, 5));
  CHECK_FALSE(sequence_newer(5, 6));
  CHECK_FALSE(sequence_newer(5, 5));
  CHECK(sequence_newer(1, 65534));  // wrapped
  CHECK_FALSE(sequence_newer(65534, 1));
  CHECK(sequence_newer(5 + 32767, 5));
  CHECK_FALSE(sequence_newer(5 + 32768, 5));  // more than half way round: older
  CHECK_FALSE(sequence_newer(65535, 5));      // 65535 is no sequence

  CHECK(check_configuration_sequence(5, 5, kPing) == SequenceCheck::kAccept);
  CHECK(check_configuration_sequence(5, 4, kPing) == SequenceCheck::kTooOld);
  CHECK(check_configuration_sequence(5, 6, kPing) == SequenceCheck::kTooNew);
  CHECK(check_configuration_sequence(0, 6, kPing) == SequenceCheck::kAccept);  // no document
  CHECK(check_configuration_sequence(5, 0, kPing) == SequenceCheck::kAccept);  // sender has none
  CHECK(check_configuration_sequence(5, 65535, kUpdate) == SequenceCheck::kAccept);
  CHECK(check_configuration_sequence(5, 65535, kPing) == SequenceCheck::kTooOld);
  CHECK(check_configuration_sequence(65534, 1, kPing) == SequenceCheck::kTooNew);

  CHECK(next_sequence(1) == 2);
  CHECK(next_sequence(65534) == 1);  // never 0 (not checked) nor 65535
}

// Records what the core tells its handler; accepts documents whose text is "seq=N".
struct FakeHandler final : ConfigurationHandler {
  std::vector<std::uint16_t> newer;
  std::vector<Bytes> offers;
  Verdict offered(Millis, ByteView data, const NodeId&) override {
    offers.emplace_back(data.begin(), data.end());
    std::string text(reinterpret_cast<const char*>(data.data()), data.size());
    if (text.rfind("seq=", 0) != 0) return {wire::ErrorCode::kForbidden, 0, "not signed"};
    return {std::nullopt, static_cast<std::uint16_t>(std::stoi(text.substr(4))), ""};
  }
  void newer_seen(Millis, std::uint16_t sequence, const NodeId&) override { newer.push_back(sequence); }
  std::vector<std::vector<Bytes>> kind_offers;
  Verdict kinds_offered(Millis, const std::vector<Bytes>& kinds, const NodeId&) override {
    kind_offers.push_back(kinds);
    return {};
  }
};

Bytes text_bytes(std::string_view s) {
  return Bytes(reinterpret_cast<const std::byte*>(s.data()),
               reinterpret_cast<const std::byte*>(s.data()) + s.size());
}

// `bytes` (a message from Fixture::make) with another configuration_sequence (the signature
// does not cover the forwarding header).
Bytes with_sequence(Bytes bytes, std::uint16_t seq) {
  wire::DecodeParams p;
  p.overlay = test::kOverlay;
  auto m = wire::decode_message(ByteView(bytes), p);
  REQUIRE(m.has_value());
  m->header.configuration_sequence = seq;
  return *wire::encode_message(*m);
}

struct Configured : Fixture {
  FakeHandler handler;
  Configured() {
    core.set_configuration_handler(&handler);
    core.set_configuration(5, text_bytes("seq=5"));
  }
  Bytes ping(std::uint16_t seq, std::uint64_t txid) {
    return with_sequence(make(x, {wire::Destination::node(id(100))}, MessageCode::kPingReq,
                              *wire::encode_to_bytes(wire::PingReq{}), 100, {}, txid),
                         seq);
  }
};

TEST_CASE("a request with our sequence (or none) is served, and every message we build carries ours") {
  Configured f;
  f.core.on_message(f.now, 1, f.ping(5, 1));
  f.core.on_message(f.now, 1, f.ping(0, 2));
  auto out = f.sent();
  REQUIRE(out.size() == 2);
  for (auto& [link, m] : out) {
    CHECK(m.contents.code() == MessageCode::kPingAns);
    CHECK(m.header.configuration_sequence == 5);
  }
  CHECK(f.handler.newer.empty());
}

TEST_CASE("an older sequence: Error_Config_Too_Old and one ConfigUpdate with our document") {
  Configured f;
  f.core.on_message(f.now, 1, f.ping(4, 1));
  auto out = f.sent();
  REQUIRE(out.size() == 2);
  CHECK(out[0].second.contents.is_error());
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kConfigTooOld));
  const wire::Message& update = out[1].second;
  CHECK(out[1].first == 1);
  CHECK(update.contents.code() == MessageCode::kConfigUpdateReq);
  CHECK(update.header.configuration_sequence == kConfigUpdateSequence);
  CHECK(update.header.destination_list.back() == wire::Destination::node(f.x));
  auto req = wire::decode_config_update_req(ByteView(update.contents.message_body));
  REQUIRE(req.has_value());
  CHECK(req->type == wire::ConfigUpdateType::kConfig);
  CHECK(req->config_data == text_bytes("seq=5"));
  CHECK(f.core.counters().config_too_old == 1);
  CHECK(f.core.counters().config_updates_sent == 1);

  // The same node again within the minute: the error, but no second document.
  f.core.on_message(f.now + Millis{1000}, 1, f.ping(4, 2));
  out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kConfigTooOld));
  CHECK(f.core.counters().config_updates_sent == 1);
}

TEST_CASE("a newer sequence: Error_Config_Too_New, and the handler hears of it (requests and answers)") {
  Configured f;
  f.core.on_message(f.now, 1, f.ping(6, 1));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kConfigTooNew));
  CHECK(out[0].second.header.configuration_sequence == 5);
  CHECK(f.core.counters().config_too_new == 1);
  CHECK(f.handler.newer == std::vector<std::uint16_t>{6});

  // An answer is not refused, but its newer sequence is noticed too.
  auto tx = f.core.send_request(f.now, wire::Destination::node(f.x), MessageCode::kPingReq,
                                *wire::encode_to_bytes(wire::PingReq{}), [](const RequestResult&) {});
  (void)f.sent();
  f.core.on_message(f.now, 1, with_sequence(f.make(f.x, {wire::Destination::node(id(100))},
                                                   MessageCode::kPingAns,
                                                   *wire::encode_to_bytes(wire::PingAns{}), 100, {}, tx),
                                            7));
  CHECK(f.handler.newer == std::vector<std::uint16_t>{6, 7});
}

TEST_CASE("an answer with an older sequence gets our document by ConfigUpdate (§6.5.4)") {
  Configured f;
  auto tx = f.core.send_request(f.now, wire::Destination::node(f.x), MessageCode::kPingReq,
                                *wire::encode_to_bytes(wire::PingReq{}), [](const RequestResult&) {});
  (void)f.sent();
  f.core.on_message(f.now, 1, with_sequence(f.make(f.x, {wire::Destination::node(id(100))},
                                                   MessageCode::kPingAns,
                                                   *wire::encode_to_bytes(wire::PingAns{}), 100, {}, tx),
                                            4));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.code() == MessageCode::kConfigUpdateReq);
  CHECK(out[0].second.header.destination_list.back() == wire::Destination::node(f.x));
  CHECK(f.core.counters().config_updates_sent == 1);
}

TEST_CASE("a ConfigUpdate is judged by the handler: accepted, the core runs the new sequence") {
  Configured f;
  auto update = [&](std::string_view doc, std::uint64_t txid) {
    wire::ConfigUpdateReq req;
    req.config_data = text_bytes(doc);
    return with_sequence(f.make(f.x, {wire::Destination::node(id(100))}, MessageCode::kConfigUpdateReq,
                                *wire::encode_to_bytes(req), 100, {}, txid),
                         kConfigUpdateSequence);
  };
  f.core.on_message(f.now, 1, update("forged", 1));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kForbidden));
  CHECK(f.core.configuration_sequence() == 5);
  CHECK(f.core.counters().config_updates_refused == 1);

  f.core.on_message(f.now, 1, update("seq=9", 2));
  out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.code() == MessageCode::kConfigUpdateAns);
  CHECK(f.core.configuration_sequence() == 9);
  CHECK(out[0].second.header.configuration_sequence == 9);
  // From now on a requester at 5 is too old, and gets the new document.
  f.core.on_message(f.now, 1, f.ping(5, 3));
  out = f.sent();
  REQUIRE(out.size() == 2);
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kConfigTooOld));
  auto req = wire::decode_config_update_req(ByteView(out[1].second.contents.message_body));
  REQUIRE(req.has_value());
  CHECK(req->config_data == text_bytes("seq=9"));
}

TEST_CASE("a node without a configuration checks nothing and refuses ConfigUpdates") {
  Fixture f;  // sequence 0, no handler: a `p2psip ca issue` node
  auto ping = with_sequence(f.make(f.x, {wire::Destination::node(id(100))}, MessageCode::kPingReq,
                                   *wire::encode_to_bytes(wire::PingReq{}), 100, {}, 1),
                            1234);
  f.core.on_message(f.now, 1, ping);
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.code() == MessageCode::kPingAns);
  CHECK(out[0].second.header.configuration_sequence == 0);

  wire::ConfigUpdateReq req;
  req.config_data = text_bytes("seq=9");
  f.core.on_message(f.now, 1, f.make(f.x, {wire::Destination::node(id(100))}, MessageCode::kConfigUpdateReq,
                                     *wire::encode_to_bytes(req), 100, {}, 2));
  out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(Fixture::error_code(out[0].second) == wire::to_u16(wire::ErrorCode::kForbidden));
  CHECK(f.core.configuration_sequence() == 0);
}

TEST_CASE("ConfigUpdates per sender are bounded before any signature check") {
  PerSenderLimit limit(2, Millis{1000}, 2);
  CHECK(limit.allow(Millis{0}, id(1)));
  CHECK(limit.allow(Millis{10}, id(1)));
  CHECK_FALSE(limit.allow(Millis{20}, id(1)));      // third in the window
  CHECK(limit.allow(Millis{20}, id(2)));            // another sender has its own
  CHECK_FALSE(limit.allow(Millis{30}, id(3)));      // table full, no window ended
  CHECK(limit.allow(Millis{1000}, id(1)));          // a new window
  CHECK(limit.allow(Millis{1500}, id(3)));          // id(2)'s window ended: room made
  CHECK(limit.tracked() <= 2);

  Configured f;
  auto update = [&](std::uint64_t txid) {
    wire::ConfigUpdateReq req;
    req.config_data = text_bytes("forged");
    return with_sequence(f.make(f.x, {wire::Destination::node(id(100))}, MessageCode::kConfigUpdateReq,
                                *wire::encode_to_bytes(req), 100, {}, txid),
                         kConfigUpdateSequence);
  };
  for (std::uint64_t i = 1; i <= kConfigUpdatesPerSender + 2; ++i) f.core.on_message(f.now, 1, update(i));
  CHECK(f.handler.offers.size() == kConfigUpdatesPerSender);  // the rest never reached the handler
  CHECK(f.core.counters().config_updates_limited == 2);
  auto out = f.sent();
  REQUIRE(out.size() == kConfigUpdatesPerSender + 2);
  CHECK(Fixture::error_code(out.back().second) == wire::to_u16(wire::ErrorCode::kForbidden));
  f.core.on_message(f.now + kConfigUpdateWindow, 1, update(99));  // the next minute
  CHECK(f.handler.offers.size() == kConfigUpdatesPerSender + 1);
}

TEST_CASE("a ConfigUpdate of type kind goes to the handler; the sequence stays") {
  Configured f;
  wire::ConfigUpdateReq req;
  req.type = wire::ConfigUpdateType::kKind;
  req.kinds = {text_bytes("<kind-block/>")};
  f.core.on_message(f.now, 1, with_sequence(f.make(f.x, {wire::Destination::node(id(100))},
                                                   MessageCode::kConfigUpdateReq, *wire::encode_to_bytes(req),
                                                   100, {}, 1),
                                            kConfigUpdateSequence));
  auto out = f.sent();
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.contents.code() == MessageCode::kConfigUpdateAns);
  REQUIRE(f.handler.kind_offers.size() == 1);
  CHECK(f.handler.kind_offers[0] == req.kinds);
  CHECK(f.core.configuration_sequence() == 5);
}

}  // namespace
}  // namespace p2psip::peer
