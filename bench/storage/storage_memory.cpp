// Memory per stored registration: stores N distinct SIP-REGISTRATIONs (Kind 1, one AoR each,
// uri form, an ECDSA-sized 72-byte signature with a SHA-256 cert_hash identity) into one
// DataStore and reports the RSS growth divided by N, next to the encoded size of one StoredData
// (what the same registration costs on the wire). Signatures are not computed or checked here:
// the verifier vouches for the storer, because the figure wanted is memory, not crypto speed
// (bench/security measures signing and verification).
//
//   storage_memory [N]      (default 1,000,000)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "overlay/storage/data_store.h"
#include "overlay/storage/resource_id.h"
#include "overlay/wire/sip_registration.h"

using namespace p2psip;
using namespace p2psip::storage;

namespace {

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// Vouches for whoever the bench says is storing right now.
class BenchVerifier final : public DataVerifier {
 public:
  SignerInfo current;
  std::optional<SignerInfo> verify(const wire::Signature&, ByteView) override { return current; }
};

wire::NodeId node_of(std::uint32_t i) {
  std::array<std::byte, 16> b{};
  for (int k = 0; k < 4; ++k) b[12 + k] = std::byte((i >> (24 - 8 * k)) & 0xff);
  b[0] = std::byte{0x5a};
  return wire::NodeId(b);
}

wire::StoreReq registration(std::uint32_t i, const std::string& user, WallMs now) {
  wire::StoredData d;
  d.storage_time = now;
  d.lifetime = 3600;
  wire::DictionaryEntry e;
  auto node = node_of(i);
  e.key.assign(node.bytes().begin(), node.bytes().end());
  e.value.exists = true;
  e.value.value = *wire::encode_sip_registration(wire::SipRegistration::make_uri(
      "sip:" + user + ";transport=tcp"));
  d.value = std::move(e);
  d.signature.algorithm = {wire::kHashSha256, 3 /* ecdsa */};
  d.signature.identity.type = wire::SignerIdentityType::kCertHash;
  d.signature.identity.hash_alg = wire::kHashSha256;
  d.signature.identity.hash.assign(32, std::byte(i & 0xff));
  d.signature.value.assign(72, std::byte((i >> 8) & 0xff));
  wire::StoreReq req;
  req.resource = resource_id_of(user);
  req.kind_data.push_back(wire::StoreKindData{wire::kSipRegistrationKindId, 0, {d}, {}});
  return req;
}

// Milliseconds one walk over everything stored takes: the median of three.
template <class Walk>
double walk_ms(Walk walk) {
  std::vector<double> ms;
  for (int r = 0; r < 3; ++r) {
    auto t = std::chrono::steady_clock::now();
    walk();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[1];
}

// What the 1 s metrics refresh (ReplicatedStore::stats) costs at this size: before, a copy of
// every resource (export_resource); now a walk in place (for_each_resource).
void report_stats_walk(const DataStore& store) {
  volatile std::size_t sink = 0;
  double copying = walk_ms([&] {
    for (const auto& res : store.resources()) {
      if (auto all = store.export_resource(res, 0, 1)) sink = sink + all->kind_data.size();
    }
  });
  double in_place = walk_ms([&] {
    store.for_each_resource([&](const wire::ResourceId&, const DataStore::Resource& kinds) {
      for (const auto& [kind, state] : kinds) sink = sink + state.entries.size();
    });
  });
  std::printf("stats walk         %.1f ms copying (export_resource) / %.1f ms in place (median of 3)\n",
              copying, in_place);
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint32_t n = argc > 1 ? std::uint32_t(std::strtoul(argv[1], nullptr, 10)) : 1000000;
  KindRegistry kinds;
  kinds.add(sip_registration_kind());
  DataStore store(kinds);
  BenchVerifier verifier;
  const WallMs now = 1'800'000'000'000;
  std::size_t wire_bytes = 0;

  const long before = rss_kib();
  auto t0 = std::chrono::steady_clock::now();
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string user = "user" + std::to_string(i) + "@p2p.example.com";
    auto req = registration(i, user, now);
    if (i == 0) wire_bytes = wire::encode_to_bytes(req.kind_data[0].values[0])->size();
    verifier.current = SignerInfo{user, {node_of(i)}};
    if (!store.store(req, now, verifier)) {
      std::fprintf(stderr, "store %u refused\n", i);
      return 1;
    }
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long after = rss_kib();
  if (store.resource_count() != n) return 1;
  double per = double(after - before) * 1024.0 / n;
  std::printf("registrations      %u\n", n);
  std::printf("rss before/after   %ld KiB / %ld KiB\n", before, after);
  std::printf("bytes/registration %.0f (encoded StoredData %zu B, ratio %.2fx)\n", per,
              wire_bytes, per / double(wire_bytes));
  std::printf("stores/s           %.0f (no signature checks)\n", n / secs);
  report_stats_walk(store);
  return 0;
}
