#pragma once
// Simulator storage helpers: SIP-REGISTRATION stores signed with SimDataSigner, fetches that
// wait for their answer, and an oracle counting the live copies of a resource.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "overlay/sim/sim_network.h"
#include "overlay/storage/resource_id.h"
#include "overlay/storage/sim_data_signer.h"
#include "overlay/wire/bodies_storage.h"

namespace p2psip::sim::testing {

inline constexpr std::uint64_t kWallBase = 1'700'000'000'000;  // PeerConfig offset in tests

struct Registration {
  std::string aor;
  NodeId storer;
  wire::ResourceId resource;
};

inline Registration registration(std::size_t n, const NodeId& storer) {
  std::string aor = "user" + std::to_string(n) + "@p2p.example.com";
  return Registration{aor, storer, storage::resource_id_of(aor)};
}

// A StoreReq body: one dictionary entry keyed by the storer's Node-ID (USER-NODE-MATCH).
inline Bytes store_body(const Registration& r, std::uint64_t storage_time,
                        std::uint32_t lifetime = 86400, std::string contact = "sip:x@10.0.0.1") {
  storage::SimDataSigner signer(r.aor, r.storer);
  wire::StoredData d;
  d.storage_time = storage_time;
  d.lifetime = lifetime;
  d.value = wire::DictionaryEntry{Bytes(r.storer.bytes().begin(), r.storer.bytes().end()),
                                  wire::DataValue{true, to_bytes(contact)}};
  d = storage::sign_stored_data(signer, r.resource, 1, std::move(d));
  wire::StoreReq req{r.resource, 0, {wire::StoreKindData{1, 0, {std::move(d)}, std::nullopt}}};
  return *wire::encode_to_bytes(req);
}

inline Bytes fetch_body(const wire::ResourceId& res) {
  wire::FetchReq f{res, {wire::StoredDataSpecifier{1, 0, wire::DictionarySpecifier{}}}};
  return *wire::encode_to_bytes(f);
}

// Sends a request from `from` and runs the network until it is answered.
inline std::optional<peer::RequestResult> request_sync(SimNetwork& net, PeerIndex from,
                                                       const wire::Destination& dest,
                                                       wire::MessageCode code, Bytes body,
                                                       Millis limit = Millis{60000}) {
  std::optional<peer::RequestResult> out;
  net.request(from, dest, code, std::move(body), [&](const peer::RequestResult& r) { out = r; });
  net.run_until([&] { return out.has_value(); }, net.now() + limit);
  return out;
}

// Values of the registration at the fetch answer, or -1 when the fetch failed.
inline int fetch_values(SimNetwork& net, PeerIndex from, const wire::ResourceId& res) {
  auto r = request_sync(net, from, wire::Destination::resource(res), wire::MessageCode::kFetchReq,
                        fetch_body(res));
  if (!r || r->outcome != peer::RequestResult::Outcome::kAnswer) {
    if (std::getenv("SIM_DEBUG")) {
      std::string why = !r ? "no answer" : r->outcome == peer::RequestResult::Outcome::kTimeout
                                               ? "timeout"
                                               : "error " + to_string(ByteView(r->body));
      std::printf("fetch from %u failed: %s\n", from, why.c_str());
    }
    return -1;
  }
  auto ans = wire::decode_fetch_ans(ByteView(r->body), net.kinds().model_lookup());
  if (!ans || ans->kind_responses.empty()) return -1;
  return static_cast<int>(ans->kind_responses.front().values.size());
}

// Live peers holding SIP-REGISTRATION data for `res`.
inline std::vector<PeerIndex> holders(SimNetwork& net, const wire::ResourceId& res) {
  std::vector<PeerIndex> out;
  for (PeerIndex i = 0; i < net.size(); ++i) {
    auto* s = net.storage(i);
    if (net.alive(i) && s && s->data().kind_state(res, 1)) out.push_back(i);
  }
  return out;
}

inline SimConfig storage_config(std::uint64_t seed) {
  SimConfig c;
  c.seed = seed;
  c.peer_defaults.overlay = 0x12345678;
  c.peer_defaults.update_interval = Millis{20000};
  c.peer_defaults.chord_ping_interval = Millis{30000};
  c.peer_defaults.wall_clock_offset_ms = kWallBase;
  c.storage_config.sweep_interval = Millis{10000};
  return c;
}

}  // namespace p2psip::sim::testing
