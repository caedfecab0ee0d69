// Who may Store (RFC 6940 §7.3, §7.4.1.1; issue 16 "Insiders"): responsibility for original
// stores judged from the Resource-ID, the StoreReq's own signer under the kind's policy,
// plausible senders and non-zero generation counters for replica stores.
#include <doctest/doctest.h>

#include "overlay/chord/ring.h"
#include "overlay/storage/service.h"
#include "overlay/storage/store_admission.h"
#include "overlay/wire/bodies_misc.h"
#include "storage_fixture.h"

namespace p2psip::storage::test {

namespace {

wire::ResourceId sip_res() { return resource_id_of(alice().user); }
wire::NodeId at(std::int64_t delta) {  // a Node-ID `delta` from the resource's ring point
  return chord::add(chord::ring_point(sip_res()), static_cast<chord::U128>(delta));
}

// This node at k+10, responsible (predecessor k-10); successors k+20, k+30; a finger far away.
RingView responsible_view() {
  RingView v;
  v.self = at(10);
  v.predecessors = {at(-10), at(-20)};
  v.known = {at(-10), at(-20), at(20), at(30), at(100000)};
  v.member = true;
  return v;
}

// This node at k+20: k+10 is its predecessor and responsible; it is replica 1.
RingView replica_view() {
  RingView v;
  v.self = at(20);
  v.predecessors = {at(10), at(-10)};
  v.known = {at(10), at(-10), at(30), at(40), at(100000)};
  v.member = true;
  return v;
}

wire::StoreReq alice_sip(std::uint8_t replica_number = 0, wire::GenerationCounter gen = 0) {
  auto req = store_req(sip_res(), kSip,
                       {signed_data(alice(), sip_res(), kSip, dict(alice().node, "sip:a@x"))}, gen);
  req.replica_number = replica_number;
  return req;
}

SignerInfo info(const Party& p) { return signer_info(p.cert); }

std::optional<wire::ErrorCode> code(const std::optional<StorageError>& e) {
  return e ? std::optional(e->code) : std::nullopt;
}

}  // namespace

TEST_CASE("original store: this node must be responsible for the Resource-ID") {
  CHECK(responsible_for(responsible_view(), sip_res()));
  CHECK_FALSE(responsible_for(replica_view(), sip_res()));
  RingView outside = responsible_view();
  outside.member = false;
  CHECK_FALSE(responsible_for(outside, sip_res()));
  CHECK_FALSE(admit_store(alice_sip(), registry(), responsible_view(), alice().node, info(alice())));
  CHECK(code(admit_store(alice_sip(), registry(), replica_view(), alice().node, info(alice()))) ==
        wire::ErrorCode::kNotFound);
}

TEST_CASE("original store: the StoreReq's signer must pass the kind's access policy") {
  RingView v = responsible_view();
  // bob relays alice's validly signed value: refused (§7.3).
  CHECK(code(admit_store(alice_sip(), registry(), v, bob().node, info(bob()))) ==
        wire::ErrorCode::kForbidden);
  CHECK(code(admit_store(alice_sip(), registry(), v, bob().node, std::nullopt)) ==
        wire::ErrorCode::kForbidden);
  // USER-MATCH: only alice's certificate may sign the StoreReq.
  auto res = sip_res();
  auto single = store_req(res, kUserSingle, {signed_data(alice(), res, kUserSingle, dv("x"))});
  CHECK_FALSE(admit_store(single, registry(), v, alice().node, info(alice())));
  CHECK(code(admit_store(single, registry(), v, bob().node, info(bob()))) ==
        wire::ErrorCode::kForbidden);
}

TEST_CASE("original store: a node certificate holding the key's Node-ID may not sign for another user") {
  // A gateway's node certificate holds the Node-ID that keys alice's entry (her certificate
  // was issued for the gateway's Node-ID), but names another user: USER-NODE-MATCH needs the
  // StoreReq's signer to be alice herself (§7.3); the gateway signs with her certificate.
  RingView v = responsible_view();
  SignerInfo gateway{"gateway@p2p.example.com", {alice().node}};
  CHECK(code(admit_store(alice_sip(), registry(), v, alice().node, gateway)) ==
        wire::ErrorCode::kForbidden);
  CHECK_FALSE(admit_store(alice_sip(), registry(), v, alice().node, info(alice())));
}

TEST_CASE("replica store: only from a node in (or closer than) the known replica set") {
  RingView v = replica_view();
  auto set = known_replica_set(v, sip_res());
  CHECK(set == std::vector<wire::NodeId>{at(10), at(20), at(30)});
  // The responsible peer, a replica handing back, a node we do not know between them.
  for (std::int64_t d : {10, 30, 15, 0}) {
    CAPTURE(d);
    CHECK_FALSE(admit_store(alice_sip(1, 3), registry(), v, at(d), std::nullopt));
  }
  // Past the replica set, or before the resource (a better node is known): Forbidden.
  for (std::int64_t d : {40, 100000, -10}) {
    CAPTURE(d);
    CHECK(code(admit_store(alice_sip(1, 3), registry(), v, at(d), std::nullopt)) ==
          wire::ErrorCode::kForbidden);
  }
  // Knowing fewer nodes than a replica set holds (still joining): any sender.
  RingView joining;
  joining.self = at(20);
  joining.known = {at(100000)};
  CHECK_FALSE(admit_store(alice_sip(1, 3), registry(), joining, at(40), std::nullopt));
  // §7.4.1.1: "Replica Stores MUST NOT use a generation counter of 0".
  CHECK(code(admit_store(alice_sip(1, 0), registry(), v, at(10), std::nullopt)) ==
        wire::ErrorCode::kInvalidMessage);
}

TEST_CASE("StoreAns lists the replicas of an original store, none for a replica store") {
  DataStore store(registry());
  auto v = verifier();
  RequestContext ctx{kNow, true, {at(20), at(30)}};
  Bytes body = *wire::encode_to_bytes(alice_sip());
  auto a = handle_storage_request(store, registry(), wire::MessageCode::kStoreReq, body, ctx, v);
  REQUIRE(a.code == wire::MessageCode::kStoreAns);
  auto ans = wire::decode_store_ans(ByteView(a.body));
  REQUIRE(ans);
  CHECK(ans->kind_responses.at(0).replicas == std::vector<wire::NodeId>{at(20), at(30)});
  auto newer = alice_sip(1, 5);
  newer.kind_data[0].values[0] =
      signed_data(alice(), sip_res(), kSip, dict(alice().node, "sip:b@x"), kNow + 1);
  body = *wire::encode_to_bytes(newer);
  a = handle_storage_request(store, registry(), wire::MessageCode::kStoreReq, body, ctx, v);
  REQUIRE(a.code == wire::MessageCode::kStoreAns);
  CHECK(wire::decode_store_ans(ByteView(a.body))->kind_responses.at(0).replicas.empty());
}

}  // namespace p2psip::storage::test
