// PeerCore's storage hooks (attach with its storage::OverlayServices, requests with
// certificates, ring changes, timer, leave handover) and client mode, on one core fed by hand.
#include <doctest/doctest.h>

#include <tuple>

#include "overlay/chord/ring.h"
#include "overlay/peer/peer_core.h"
#include "overlay/peer/sim_signer.h"
#include "overlay/wire/bodies.h"
#include "peer_core_fixture.h"

using namespace p2psip;
using namespace p2psip::peer;

namespace {

constexpr std::uint32_t kOverlay = 0xabcdef01;
NodeId id(std::uint64_t hi) { return chord::from_u128(static_cast<chord::U128>(hi) << 64); }
wire::ResourceId res_at(const NodeId& n) { return wire::ResourceId{Bytes(n.bytes().begin(), n.bytes().end())}; }
wire::DecodeParams params() {
  wire::DecodeParams p;
  p.overlay = kOverlay;
  return p;
}
wire::GenericCertificate cert(std::string_view s) {
  return wire::GenericCertificate{wire::CertificateType::kX509, to_bytes(s)};
}

struct RecordingHandler final : StorageHandler {
  storage::OverlayServices* overlay = nullptr;
  int requests = 0, ring_changes = 0, timers = 0, leaves = 0;
  bool last_responsible = false;
  std::size_t request_certs = 0;
  std::optional<Millis> deadline;
  std::function<void()> leave_done;
  bool finish_leave_at_once = false;

  void attach(storage::OverlayServices& o) override { overlay = &o; }
  StorageAnswer on_request(Millis, const StorageRequest& r) override {
    ++requests;
    last_responsible = r.responsible;
    request_certs = r.message.security.certificates.size();
    return StorageAnswer{wire::MessageCode::kFetchAns, {}, {cert("value signer")}};
  }
  void on_ring_changed(Millis, const chord::RoutingTable&) override { ++ring_changes; }
  std::optional<Millis> next_deadline() const override { return deadline; }
  void on_timer(Millis) override {
    ++timers;
    deadline.reset();
  }
  std::size_t resource_count() const override { return 7; }
  void on_leave(Millis, std::function<void()> done) override {
    ++leaves;
    if (finish_leave_at_once) return done();
    leave_done = std::move(done);
  }
};

Bytes make(const NodeId& from, std::vector<wire::Destination> dests, wire::MessageCode code,
           Bytes body, std::vector<wire::Destination> via = {}, std::uint64_t txid = 42) {
  static_assert(kOverlay == test::kOverlay);
  return test::signed_message(from, std::move(dests), code, std::move(body), 100, std::move(via),
                              txid);
}

std::vector<std::pair<LinkId, wire::Message>> sent(PeerCore& core) { return test::sent_messages(core); }

bool any_code(const std::vector<std::pair<LinkId, wire::Message>>& v, wire::MessageCode c) {
  for (const auto& [l, m] : v) {
    if (m.contents.code() == c) return true;
  }
  return false;
}

// Node A (id 100) on a ring with X (50) and Y (200), over outbound links 1 and 2.
struct Fixture {
  RecordingHandler handler;
  SimSigner signer{id(100)};
  PeerCore core{make_config(), signer, &handler};
  NodeId x = id(50), y = id(200);
  Millis now{1000};

  static PeerConfig make_config() {
    PeerConfig c;
    c.node_id = id(100);
    c.overlay = kOverlay;
    c.wall_clock_offset_ms = 1'700'000'000'000;
    return c;
  }
  Fixture() {
    core.start(now);
    core.on_link_up(now, 1, x, true);
    core.on_link_up(now, 2, y, true);
    // Routable once their own Updates arrived (RFC 6940 §6.5.1).
    for (auto [link, from, txid] : {std::tuple{LinkId{1}, x, 901}, std::tuple{LinkId{2}, y, 902}}) {
      wire::ChordUpdate u;
      u.type = wire::ChordUpdateType::kNeighbors;
      u.successors = {from == x ? y : x};
      core.on_message(now, link, make(from, {wire::Destination::node(id(100))},
                                      wire::MessageCode::kUpdateReq, *wire::encode_to_bytes(u),
                                      {}, static_cast<std::uint64_t>(txid)));
    }
    (void)core.take_actions();
  }
};

}  // namespace

TEST_CASE("the handler is attached, sees ring changes and gets wall-clock time") {
  Fixture f;
  REQUIRE(f.handler.overlay != nullptr);
  storage::OverlayServices& overlay = *f.handler.overlay;
  CHECK(&overlay.routing_table() == &f.core.routing_table());
  CHECK(overlay.node_id() == id(100));
  CHECK(f.handler.ring_changes >= 2);  // X and Y entered the neighbour table
  CHECK(f.core.wall_ms(Millis{5}) == 1'700'000'000'005);
  CHECK(overlay.wall_ms(Millis{5}) == 1'700'000'000'005);
  CHECK(overlay.monotonic_at(1'700'000'000'005) == Millis{5});
  CHECK(overlay.monotonic_at(3) == Millis{0});  // before the monotonic clock's start
  int before = f.handler.ring_changes;
  f.core.on_link_down(f.now, 2);
  CHECK(f.handler.ring_changes == before + 1);
}

TEST_CASE("storage requests reach the handler; its certificates go into the answer") {
  Fixture f;
  Bytes req = make(f.x, {wire::Destination::node(id(100))}, wire::MessageCode::kFetchReq, {});
  f.core.on_message(f.now, 1, req);
  CHECK(f.handler.requests == 1);
  CHECK(f.handler.last_responsible);
  auto out = sent(f.core);
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 1);
  CHECK(out[0].second.contents.code() == wire::MessageCode::kFetchAns);
  REQUIRE(out[0].second.security.certificates.size() == 1);
  CHECK(out[0].second.security.certificates[0] == cert("value signer"));
}

TEST_CASE("send_request appends extra certificates; the signature still verifies") {
  Fixture f;
  RequestResult got;
  f.core.send_request(f.now, wire::Destination::node(f.y), wire::MessageCode::kStoreReq, {},
                      [&](const RequestResult& r) { got = r; }, {cert("user"), cert("user")});
  auto out = sent(f.core);
  REQUIRE(out.size() == 1);
  CHECK(out[0].second.security.certificates.size() == 1);  // duplicates dropped
  SimSigner verifier(id(1));
  CHECK(verifier.verify(out[0].second) == id(100));
  // A storage request arriving with certificates: the handler sees them.
  Bytes req = make(f.x, {wire::Destination::node(id(100))}, wire::MessageCode::kStoreReq, {});
  auto m = *wire::decode_message(ByteView(req), params());
  m.security.certificates.push_back(cert("user"));
  f.core.on_message(f.now, 1, *wire::encode_message(m));
  CHECK(f.handler.request_certs == 1);
}

TEST_CASE("the services' ring role: member when joined, leaving during leave, else outside") {
  Fixture f;
  storage::OverlayServices& overlay = *f.handler.overlay;
  CHECK(overlay.ring_role() == storage::RingRole::kMember);
  f.core.leave(f.now);
  CHECK(overlay.ring_role() == storage::RingRole::kLeaving);
  f.handler.leave_done();
  f.core.on_timer(f.now);
  (void)sent(f.core);
  CHECK(f.core.state() != PeerState::kJoined);
  CHECK(overlay.ring_role() != storage::RingRole::kMember);

  // A client is joined (its link is up) but never a ring member.
  PeerConfig cfg;
  cfg.node_id = id(300);
  cfg.overlay = kOverlay;
  cfg.client = true;
  cfg.bootstrap = {wire::IpAddressPort{}};
  SimSigner signer(cfg.node_id);
  RecordingHandler handler;
  PeerCore client(cfg, signer, &handler);
  REQUIRE(handler.overlay != nullptr);
  CHECK(handler.overlay->ring_role() == storage::RingRole::kOutside);  // idle
  client.start(f.now);
  client.on_link_up(f.now, 9, id(100), true);
  REQUIRE(client.state() == PeerState::kJoined);
  CHECK(handler.overlay->ring_role() == storage::RingRole::kOutside);
}

TEST_CASE("the services' send_request: answered for a success answer, not for an error or a timeout") {
  Fixture f;
  storage::OverlayServices& overlay = *f.handler.overlay;
  auto request = [&](std::optional<bool>& answered) {
    overlay.send_request(f.now, wire::Destination::node(f.y), wire::MessageCode::kStoreReq, {},
                         [&answered](bool a) { answered = a; }, {cert("user")});
    auto out = sent(f.core);
    REQUIRE(out.size() == 1);
    CHECK(out[0].first == 2);
    REQUIRE(out[0].second.security.certificates.size() == 1);  // SimSigner adds none
    CHECK(out[0].second.security.certificates[0] == cert("user"));
    return out[0].second.header.transaction_id;
  };
  std::optional<bool> ok, refused, lost;
  std::uint64_t tx = request(ok);
  f.core.on_message(f.now, 2, make(f.y, {wire::Destination::node(id(100))},
                                   wire::MessageCode::kStoreAns, {}, {}, tx));
  CHECK(ok == true);

  tx = request(refused);
  auto error = wire::encode_to_bytes(wire::ErrorResponse::make(wire::ErrorCode::kForbidden, "no"));
  f.core.on_message(f.now, 2, make(f.y, {wire::Destination::node(id(100))},
                                   wire::MessageCode::kError, *error, {}, tx));
  CHECK(refused == false);

  (void)request(lost);
  Millis t = f.now;
  for (int i = 0; i < 20 && !lost; ++i) {
    t += f.core.config().reliability_timer;
    f.core.on_timer(t);
    (void)f.core.take_actions();
  }
  CHECK(lost == false);
}

TEST_CASE("ProbeAns num-resources comes from the handler") {
  Fixture f;
  wire::ProbeReq probe{{wire::ProbeInformationType::kNumResources}};
  f.core.on_message(f.now, 1, make(f.x, {wire::Destination::node(id(100))},
                                   wire::MessageCode::kProbeReq, *wire::encode_to_bytes(probe)));
  auto out = sent(f.core);
  REQUIRE(out.size() == 1);
  auto ans = wire::decode_probe_ans(ByteView(out[0].second.contents.message_body));
  REQUIRE(ans);
  REQUIRE(ans->probe_info.size() == 1);
  CHECK(ans->probe_info[0].value == 7);
}

TEST_CASE("the handler's timer is folded into next_deadline and on_timer") {
  Fixture f;
  f.handler.deadline = Millis{1500};
  REQUIRE(f.core.next_deadline());
  CHECK(*f.core.next_deadline() <= Millis{1500});
  f.core.on_timer(Millis{1499});
  CHECK(f.handler.timers == 0);
  f.core.on_timer(Millis{1500});
  CHECK(f.handler.timers == 1);
}

TEST_CASE("leave waits for the storage handover before sending Leave") {
  Fixture f;
  f.core.leave(f.now);
  CHECK(f.handler.leaves == 1);
  CHECK(f.core.state() == PeerState::kLeaving);
  CHECK_FALSE(any_code(sent(f.core), wire::MessageCode::kLeaveReq));
  REQUIRE(f.handler.leave_done);
  f.handler.leave_done();
  f.core.on_timer(f.now);
  CHECK(any_code(sent(f.core), wire::MessageCode::kLeaveReq));
}

TEST_CASE("leave sends Leave after leave_handover_timeout if the handover never finishes") {
  Fixture f;
  f.core.leave(f.now);
  (void)sent(f.core);
  REQUIRE(f.core.next_deadline());
  CHECK(*f.core.next_deadline() <= f.now + f.core.config().leave_handover_timeout);
  f.core.on_timer(f.now + f.core.config().leave_handover_timeout - Millis{1});
  CHECK_FALSE(any_code(sent(f.core), wire::MessageCode::kLeaveReq));
  f.core.on_timer(f.now + f.core.config().leave_handover_timeout);
  CHECK(any_code(sent(f.core), wire::MessageCode::kLeaveReq));
}

TEST_CASE("a handover that finishes at once sends Leave at once") {
  Fixture f;
  f.handler.finish_leave_at_once = true;
  f.core.leave(f.now);
  CHECK(any_code(sent(f.core), wire::MessageCode::kLeaveReq));
}

TEST_CASE("a peer forwards for a client behind a non-routable link and routes the answer back") {
  Fixture f;
  NodeId c = id(300);
  f.core.on_link_up(f.now, 3, c, false);  // inbound: not routable
  CHECK_FALSE(f.core.routing_table().contains(c));
  wire::ResourceId res = res_at(id(150));
  Bytes req = make(c, {wire::Destination::resource(res)}, wire::MessageCode::kFetchReq, {}, {}, 77);
  f.core.on_message(f.now, 3, req);
  auto out = sent(f.core);
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 2);  // towards Y, responsible for 150
  REQUIRE(out[0].second.header.via_list.size() == 1);
  CHECK(out[0].second.header.via_list[0] == wire::Destination::node(c));
  Bytes ans = make(f.y, {wire::Destination::node(id(100)), wire::Destination::node(c)},
                   wire::MessageCode::kFetchAns, {}, {}, 77);
  f.core.on_message(f.now, 2, ans);
  out = sent(f.core);
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 3);
}

TEST_CASE("client mode: one link to a bootstrap peer, no ring, every request over it") {
  PeerConfig cfg;
  cfg.node_id = id(300);
  cfg.overlay = kOverlay;
  cfg.client = true;
  wire::IpAddressPort boot;
  boot.port = 6084;
  cfg.bootstrap = {boot};
  SimSigner signer(cfg.node_id);
  PeerCore core(cfg, signer);
  Millis now{0};
  core.start(now);
  CHECK(core.state() == PeerState::kJoining);
  auto acts = core.take_actions();
  REQUIRE(acts.size() == 1);
  CHECK(std::holds_alternative<OpenLink>(acts[0]));
  core.on_link_up(now, 9, id(100), true);
  CHECK(core.state() == PeerState::kJoined);
  auto out = sent(core);
  CHECK(out.empty());  // no Attach, Update or Join
  CHECK(core.routing_table().size() == 0);
  std::optional<RequestResult> got;
  wire::ResourceId res = res_at(id(301));
  core.send_request(now, wire::Destination::resource(res), wire::MessageCode::kFetchReq, {},
                    [&](const RequestResult& r) { got = r; });
  out = sent(core);
  REQUIRE(out.size() == 1);
  CHECK(out[0].first == 9);  // even a Resource-ID next to our own Node-ID
  Bytes ans = make(id(200), {wire::Destination::node(id(100)), wire::Destination::node(id(300))},
                   wire::MessageCode::kFetchAns, {}, {}, out[0].second.header.transaction_id);
  // The answer arrives over the bootstrap link with the client as the last destination.
  auto m = *wire::decode_message(ByteView(ans), params());
  m.header.destination_list.erase(m.header.destination_list.begin());
  core.on_message(now, 9, *wire::encode_message(m));
  REQUIRE(got);
  CHECK(got->outcome == RequestResult::Outcome::kAnswer);
  // Far future: no stabilization or finger traffic from a client.
  core.on_timer(Millis{10'000'000});
  CHECK_FALSE(any_code(sent(core), wire::MessageCode::kUpdateReq));
  core.on_link_down(now, 9);
  CHECK(core.state() == PeerState::kJoining);
  bool reopened = false;
  for (auto& a : core.take_actions()) reopened |= std::holds_alternative<OpenLink>(a);
  CHECK(reopened);
}
