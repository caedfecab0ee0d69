// Feeds a sequence of Store/Fetch/Stat/Find bodies to one DataStore through
// handle_storage_request, the entry point a peer uses for network requests. The input is a
// list of records: [selector byte][uint16 length][body]; the selector picks the method, whether
// this peer is responsible and how far the clock moves. State carries over between records, so
// the fuzzer reaches replacement, generation and expiry paths, not only the decoders.
//
// Signatures: FuzzVerifier accepts a signature whose value starts with 0x01 and names the
// signer by its identity hash (the bytes are the user name; the Node-ID is the first 16 bytes
// of the value after the marker), so inputs can pass the access policies without real keys.
// Run with FUZZ_WRITE_SEEDS=DIR to write valid seed inputs to DIR and exit; FUZZ_TRACE=1
// prints each record's answer code.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "overlay/storage/resource_id.h"
#include "overlay/storage/service.h"
#include "overlay/wire/bodies_misc.h"
#include "overlay/wire/sip_registration.h"

using namespace p2psip;
using namespace p2psip::storage;

namespace {

class FuzzVerifier final : public DataVerifier {
 public:
  std::optional<SignerInfo> verify(const wire::Signature& s, ByteView) override {
    if (s.value.size() < 1 + 16 || s.value[0] != std::byte{1}) return std::nullopt;
    SignerInfo info;
    info.user.assign(reinterpret_cast<const char*>(s.identity.hash.data()),
                     s.identity.hash.size());
    info.node_ids.push_back(*wire::NodeId::from_bytes(ByteView(s.value).subspan(1, 16)));
    return info;
  }
};

const KindRegistry& registry() {
  static const KindRegistry r = [] {
    KindRegistry k;
    k.add(sip_registration_kind(4, 256));
    k.add({10, wire::DataModel::kSingle, AccessPolicy::kUserMatch, 1, 64, 0});
    k.add({11, wire::DataModel::kArray, AccessPolicy::kUserMatch, 4, 64, 0});
    k.add({12, wire::DataModel::kSingle, AccessPolicy::kNodeMatch, 1, 64, 0});
    k.add({13, wire::DataModel::kSingle, AccessPolicy::kNodeMultiple, 1, 64, 2});
    return k;
  }();
  return r;
}

const wire::MessageCode kCodes[] = {wire::MessageCode::kStoreReq, wire::MessageCode::kFetchReq,
                                    wire::MessageCode::kStatReq, wire::MessageCode::kFindReq};

// ---- seed writer ----
void put_record(Bytes& out, std::uint8_t selector, const Bytes& body) {
  out.push_back(std::byte{selector});
  out.push_back(std::byte(body.size() >> 8));
  out.push_back(std::byte(body.size() & 0xff));
  out.insert(out.end(), body.begin(), body.end());
}

wire::Signature fuzz_signature(const std::string& user, std::uint8_t node_byte) {
  wire::Signature s;
  s.algorithm = {wire::kHashSha256, wire::kSignatureRsa};
  s.identity.type = wire::SignerIdentityType::kCertHash;
  s.identity.hash_alg = wire::kHashSha256;
  s.identity.hash.assign(reinterpret_cast<const std::byte*>(user.data()),
                         reinterpret_cast<const std::byte*>(user.data()) + user.size());
  s.value.assign(17, std::byte{node_byte});
  s.value[0] = std::byte{1};
  return s;
}

Bytes registration_store(const std::string& user, std::uint8_t node_byte, std::uint64_t t) {
  wire::StoreReq req;
  req.resource = resource_id_of(user);
  wire::StoreKindData kd;
  kd.kind = wire::kSipRegistrationKindId;
  wire::StoredData d;
  d.storage_time = t;
  d.lifetime = 60;
  wire::DictionaryEntry e;
  e.key.assign(16, std::byte{node_byte});
  e.value.exists = true;
  e.value.value = *wire::encode_sip_registration(
      wire::SipRegistration::make_uri("sip:" + user + ";transport=tcp"));
  d.value = e;
  d.signature = fuzz_signature(user, node_byte);
  kd.values.push_back(d);
  req.kind_data.push_back(kd);
  return *wire::encode_to_bytes(req);
}

void write_seeds(const char* dir) {
  const std::string user = "alice@p2p.example.com";
  wire::FetchReq fetch;
  fetch.resource = resource_id_of(user);
  wire::StoredDataSpecifier spec;
  spec.kind = wire::kSipRegistrationKindId;
  spec.model = wire::DictionarySpecifier{};
  fetch.specifiers.push_back(spec);
  wire::StatReq stat{fetch.resource, fetch.specifiers};
  wire::FindReq find{fetch.resource, {wire::kSipRegistrationKindId, 10}};
  Bytes seq;
  put_record(seq, 0x10, registration_store(user, 0x11, 1000));
  put_record(seq, 0x11, *wire::encode_to_bytes(fetch));
  put_record(seq, 0x30, registration_store(user, 0x11, 999));  // too old
  put_record(seq, 0x12, *wire::encode_to_bytes(stat));
  put_record(seq, 0xf3, *wire::encode_to_bytes(find));          // after expiry
  std::ofstream(std::string(dir) + "/store_fetch_sequence", std::ios::binary)
      .write(reinterpret_cast<const char*>(seq.data()), std::streamsize(seq.size()));
  Bytes one;
  put_record(one, 0x00, registration_store(user, 0x22, 5));
  std::ofstream(std::string(dir) + "/single_store", std::ios::binary)
      .write(reinterpret_cast<const char*>(one.data()), std::streamsize(one.size()));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  DataStore store(registry());
  FuzzVerifier verifier;
  WallMs now = 1000;
  std::size_t at = 0;
  for (int records = 0; records < 16 && at + 3 <= size; ++records) {
    std::uint8_t sel = data[at];
    std::size_t len = (std::size_t{data[at + 1]} << 8) | data[at + 2];
    at += 3;
    if (len > size - at) len = size - at;
    ByteView body(reinterpret_cast<const std::byte*>(data + at), len);
    at += len;
    now += (sel >> 4) * 10'000;  // up to 150 s per record: lifetimes end mid-sequence
    store.expire(now);
    RequestContext ctx{now, (sel & 0x08) == 0};
    auto ans = handle_storage_request(store, registry(), kCodes[sel & 3], body, ctx, verifier);
    if (std::getenv("FUZZ_TRACE")) {
      std::fprintf(stderr, "record %d: method %u -> answer %u (%zu bytes)\n", records,
                   unsigned(kCodes[sel & 3]), unsigned(ans.code), ans.body.size());
    }
    if (ans.code == wire::MessageCode::kError) {
      // Every error answer must itself be a well-formed ErrorResponse.
      if (!wire::decode_error_response(ByteView(ans.body))) std::abort();
    }
  }
  // Whatever was accepted must export and replay onto a fresh store unchanged.
  for (const auto& r : store.resources()) {
    auto exported = store.export_resource(r, now, 1);
    if (!exported) continue;
    DataStore copy(registry());
    FuzzVerifier v2;
    if (!copy.store(*exported, now, v2)) std::abort();
  }
  return 0;
}
