// The same SipUsageClient on the simulator (SimNetwork): registrations stored through
// different peers are found through others, uri-form indirection crosses resources, and
// every AoR survives the crash of two adjacent peers (replicas). SimDataSigner signatures.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>

#include "overlay/storage/sim_data_signer.h"
#include "overlay/usage/sip_usage_client.h"
#include "sim_helpers.h"

namespace p2psip::usage {

using namespace p2psip::sim;
using namespace p2psip::sim::testing;

namespace {

constexpr std::uint64_t kWall = 1'700'000'000'000;

// RequestSender over one simulated peer.
struct SimSender final : RequestSender {
  SimNetwork& net;
  PeerIndex from = 0;
  SimSender(SimNetwork& n, PeerIndex f) : net(n), from(f) {}
  void send(const wire::ResourceId& resource, wire::MessageCode code, Bytes body,
            storage::RequestSigner, AnswerCallback done) override {
    // The simulator's peers sign with SimSigner and do not judge a StoreReq's signer
    // (sim_data_signer.h): the registrant's signer is not used here.
    net.request(from, wire::Destination::resource(resource), code, std::move(body),
                [done](const peer::RequestResult& r) {
                  using O = peer::RequestResult::Outcome;
                  done(OverlayAnswer{r.outcome == O::kAnswer  ? OverlayAnswer::Outcome::kAnswer
                                     : r.outcome == O::kError ? OverlayAnswer::Outcome::kError
                                                              : OverlayAnswer::Outcome::kTimeout,
                                     r.code, r.body, {}});
                });
  }
};

std::unique_ptr<storage::DataVerifier> sim_verifier(std::span<const wire::GenericCertificate>) {
  return std::make_unique<storage::SimDataVerifier>();
}

std::string aor(std::size_t i) { return "user" + std::to_string(i) + "@p2p.example.com"; }
std::string contact(std::size_t i) { return "sip:user" + std::to_string(i) + "@10.0.0.1"; }

struct SimUsage {
  SimNetwork net{fast_config(7)};

  Registrant registrant(std::size_t i) {
    wire::NodeId id = chord::from_u128(static_cast<chord::U128>(i + 1) << 80);
    return Registrant{id, std::make_shared<storage::SimDataSigner>(aor(i), id), {}};
  }
  Expected<void, UsageError> store(PeerIndex via, std::size_t i, const wire::SipRegistration& v) {
    SimSender sender(net, via);
    SipUsageClient client(sender, sim_verifier, UsageConfig{"p2p.example.com"});
    std::optional<Expected<void, UsageError>> out;
    client.store(registrant(i), aor(i), v, 3600, kWall + static_cast<std::uint64_t>(net.now().count()),
                 [&](auto r) { out = std::move(r); });
    net.run_until([&] { return out.has_value(); }, net.now() + Millis{60000});
    REQUIRE(out);
    return *out;
  }
  Expected<Resolution, UsageError> lookup(PeerIndex via, std::string_view name) {
    SimSender sender(net, via);
    SipUsageClient client(sender, sim_verifier, UsageConfig{"p2p.example.com"});
    std::optional<Expected<Resolution, UsageError>> out;
    client.lookup(name, [&](auto r) { out = std::move(r); });
    net.run_until([&] { return out.has_value(); }, net.now() + Millis{60000});
    REQUIRE(out);
    return std::move(*out);
  }
};

}  // namespace

TEST_CASE("SipUsageClient on the simulator: stores, lookups, indirection, two adjacent crashes") {
  constexpr std::size_t kPeers = 16, kAors = 40;
  SimUsage s;
  REQUIRE(build_ring(s.net, kPeers, 7));
  REQUIRE(s.net.run_until([&] { return s.net.ring_errors() == 0; }, s.net.now() + Millis{600000}));

  for (std::size_t i = 0; i < kAors; ++i) {
    auto r = s.store(static_cast<PeerIndex>(i % kPeers), i, wire::SipRegistration::make_uri(contact(i)));
    REQUIRE_MESSAGE(r.has_value(), aor(i) << ": " << r.error().message());
  }
  // Someone else's AoR: the responsible peer refuses it.
  auto forbidden = s.store(1, 0, wire::SipRegistration::make_uri("sip:x@y"));
  CHECK(forbidden.has_value());  // user0's own signer: allowed (a replacement)
  SimSender sender(s.net, 2);
  SipUsageClient client(sender, sim_verifier, UsageConfig{"p2p.example.com"});
  std::optional<Expected<void, UsageError>> denied;
  client.store(s.registrant(1), aor(0), wire::SipRegistration::make_uri("sip:evil@y"), 60,
               kWall + static_cast<std::uint64_t>(s.net.now().count()), [&](auto r) { denied = r; });
  s.net.run_until([&] { return denied.has_value(); }, s.net.now() + Millis{60000});
  REQUIRE(denied);
  REQUIRE_FALSE(denied->has_value());
  CHECK(denied->error().name() == "Forbidden");
  REQUIRE(s.store(3, 0, wire::SipRegistration::make_uri(contact(0))));  // back to the contact

  auto found = [&](std::size_t i, PeerIndex via) {
    auto r = s.lookup(via, "sip:" + aor(i));
    return r && r->uris == std::vector<std::string>{contact(i)} && r->rejected_values == 0;
  };
  std::size_t ok = 0;
  for (std::size_t i = 0; i < kAors; ++i) ok += found(i, static_cast<PeerIndex>((i + 5) % kPeers));
  CHECK(ok == kAors);

  // uri-form indirection: user1 points at user2's AoR.
  REQUIRE(s.store(4, 1, wire::SipRegistration::make_uri("sip:" + aor(2))));
  auto via = s.lookup(9, aor(1));
  REQUIRE(via);
  CHECK(via->visited == std::vector<std::string>{aor(1), aor(2)});
  CHECK(via->uris == std::vector<std::string>{contact(2)});
  REQUIRE(s.store(4, 1, wire::SipRegistration::make_uri(contact(1))));

  // Kill two peers adjacent on the ring; the replicas keep every AoR.
  auto ring = s.net.ring();
  std::vector<PeerIndex> victims;
  for (PeerIndex p = 0; p < kPeers; ++p) {
    auto id = s.net.core(p).node_id();
    if (id == ring[4] || id == ring[5]) victims.push_back(p);
  }
  REQUIRE(victims.size() == 2);
  for (PeerIndex v : victims) s.net.kill(v);
  REQUIRE(s.net.run_until([&] { return s.net.ring_errors() == 0; }, s.net.now() + Millis{600000}));
  ok = 0;
  for (std::size_t i = 0; i < kAors; ++i) {
    PeerIndex v = static_cast<PeerIndex>(i % kPeers);
    while (std::find(victims.begin(), victims.end(), v) != victims.end()) v = (v + 1) % kPeers;
    ok += found(i, v);
  }
  CHECK(ok == kAors);
}

}  // namespace p2psip::usage
