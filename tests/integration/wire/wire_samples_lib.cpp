#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "overlay/wire/bodies_attach.h"
#include "overlay/wire/bodies_join_leave.h"
#include "overlay/wire/bodies_misc.h"
#include "overlay/wire/bodies_probe.h"
#include "overlay/wire/bodies_storage.h"
#include "overlay/wire/chord_update.h"
#include "overlay/wire/overlay_hash.h"
#include "overlay/wire/sip_registration.h"
#include "tests/integration/wire/wire_samples.h"

namespace p2psip::wire {

namespace {

// A self-signed P-256 certificate with an empty subject and the §11.3 subjectAltNames
// (reload://404142...4f@p2p.example.com/, alice@p2p.example.com), DER, for the dissector.
constexpr const char* kSampleCertificateHex =
    "308201b63082015ba003020102021406fa23f68db35e1b0aace3499b4ca8d8b25e77e5300a06082a8648ce3d"
    "0403023000301e170d3236313132343032323935345a170d3336313132313032323935345a30003059301306"
    "072a8648ce3d020106082a8648ce3d03010703420004c20dd8459e546c56fc5098e05e7111325cdd5475ce1b"
    "130e65f067b3ef243e10956b9366f7fabf6a61d53507c7849a537b68bcf355ee7aba2bfec465263190dfa381"
    "b23081af301d0603551d0e04160414a3d13dababee4aad7c0c051408bcf63cd3f56384301f0603551d230418"
    "30168014a3d13dababee4aad7c0c051408bcf63cd3f56384300f0603551d130101ff040530030101ff305c06"
    "03551d1104553053863a72656c6f61643a2f2f34303431343234333434343534363437343834393461346234"
    "63346434653466407032702e6578616d706c652e636f6d2f8115616c696365407032702e6578616d706c652e"
    "636f6d300a06082a8648ce3d040302034900304602210089693acd09587c083ea5e8101739e9c185e62ee1a0"
    "aa20d540b747ae1d85e0fe022100e40358b6a08e11cef00cb50d21e9347f16b8440aaa019e5845d0e4f78cf4"
    "ca2e";

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

NodeId node(int first) {
  NodeId::Array a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::byte>(first + int(i));
  return NodeId(a);
}

template <class Body>
Bytes body_bytes(const Body& b) {
  auto e = encode_to_bytes(b);
  if (!e) {
    std::cerr << "wire_samples: a body does not encode\n";
    std::abort();
  }
  return std::move(*e);
}

Message envelope(MessageCode code, Bytes body, std::uint64_t txid) {
  Message m;
  m.header.overlay = overlay_hash(kSampleOverlayName);
  m.header.configuration_sequence = 1;
  m.header.transaction_id = txid;
  m.header.via_list = {Destination::node(node(0x20))};
  m.header.destination_list = {Destination::node(node(0x40))};
  m.header.max_response_length = is_request(code) ? 5000 : 0;  // zero in responses
  m.contents.message_code = to_u16(code);
  m.contents.message_body = std::move(body);
  m.security.certificates = {GenericCertificate{CertificateType::kX509, from_hex(kSampleCertificateHex)}};
  m.security.signature.identity = {SignerIdentityType::kCertHash, kHashSha256,
                                   Bytes(32, std::byte{0x11})};
  m.security.signature.value = Bytes(128, std::byte{0x5c});
  return m;
}

StoredData sip_registration_entry(std::size_t uri_padding) {
  StoredData d;
  d.storage_time = 1700000000000ull;
  d.lifetime = 3600;
  std::string uri = "sip:alice@192.0.2.10:5060;transport=tcp";
  uri += std::string(uri_padding, 'x');
  auto value = encode_sip_registration(SipRegistration::make_uri(uri));
  NodeId storer = node(0x20);  // the dictionary key is the storer's Node-ID
  d.value = DictionaryEntry{Bytes(storer.view().begin(), storer.view().end()),
                            DataValue{true, value ? *value : Bytes{}}};
  d.signature.identity = {SignerIdentityType::kCertHash, kHashSha256, Bytes(32, std::byte{0x22})};
  d.signature.value = Bytes(128, std::byte{0x6d});
  return d;
}

StoreReq store_req(std::size_t uri_padding) {
  StoreReq s;
  s.resource = ResourceId{Bytes(16, std::byte{0x7e})};
  s.kind_data = {StoreKindData{kSipRegistrationKindId, 1, {sip_registration_entry(uri_padding)}, {}}};
  return s;
}

AttachReqAns attach() {
  AttachReqAns a;
  a.ufrag = "ufrag";
  a.password = "password";
  a.role = "passive";
  IceCandidate c;
  c.addr_port.addr[0] = std::byte{192};
  c.addr_port.addr[2] = std::byte{2};
  c.addr_port.addr[3] = std::byte{10};
  c.addr_port.port = 6084;
  c.foundation = "1";
  c.priority = 0x7e0000ff;
  a.candidates = {c};
  return a;
}

std::vector<std::pair<std::string, Message>> messages() {
  std::vector<std::pair<std::string, Message>> out;
  std::uint64_t tx = 0x1000;
  auto add = [&](const char* name, MessageCode code, Bytes body) {
    out.emplace_back(name, envelope(code, std::move(body), ++tx));
  };
  add("probe_req", MessageCode::kProbeReq,
      body_bytes(ProbeReq{{ProbeInformationType::kResponsibleSet, ProbeInformationType::kUptime}}));
  add("probe_ans", MessageCode::kProbeAns,
      body_bytes(ProbeAns{{ProbeInformation{ProbeInformationType::kUptime, 42, {}}}}));
  add("attach_req", MessageCode::kAttachReq, body_bytes(attach()));
  add("attach_ans", MessageCode::kAttachAns, body_bytes(attach()));
  add("store_req", MessageCode::kStoreReq, body_bytes(store_req(0)));
  add("store_ans", MessageCode::kStoreAns,
      body_bytes(StoreAns{{StoreKindResponse{kSipRegistrationKindId, 1, {node(0x41), node(0x42)}}}}));
  FetchReq fetch;
  fetch.resource = ResourceId{Bytes(16, std::byte{0x7e})};
  fetch.specifiers = {StoredDataSpecifier{kSipRegistrationKindId, 0, DictionarySpecifier{}}};
  add("fetch_req", MessageCode::kFetchReq, body_bytes(fetch));
  add("fetch_ans", MessageCode::kFetchAns,
      body_bytes(FetchAns{{FetchKindResponse{kSipRegistrationKindId, 1, {sip_registration_entry(0)}, {}}}}));
  add("join_req", MessageCode::kJoinReq, body_bytes(JoinReq{node(0x20), {}}));
  add("join_ans", MessageCode::kJoinAns, body_bytes(JoinAns{}));
  add("leave_req", MessageCode::kLeaveReq,
      body_bytes(make_chord_leave_req(node(0x20), ChordLeaveData{ChordLeaveType::kFromSucc,
                                                                 {node(0x41), node(0x42)}})));
  add("leave_ans", MessageCode::kLeaveAns, body_bytes(LeaveAns{}));
  ChordUpdate update;
  update.uptime = 600;
  update.type = ChordUpdateType::kNeighbors;
  update.predecessors = {node(0x01), node(0x02), node(0x03)};
  update.successors = {node(0x41), node(0x42), node(0x43)};
  add("update_req", MessageCode::kUpdateReq, body_bytes(update));
  add("update_ans", MessageCode::kUpdateAns, body_bytes(UpdateAns{}));
  add("ping_req", MessageCode::kPingReq, body_bytes(PingReq{Bytes(8, std::byte{0})}));
  add("ping_ans", MessageCode::kPingAns, body_bytes(PingAns{0x0123456789abcdefull, 1700000000000ull}));
  add("error", MessageCode::kError,
      body_bytes(ErrorResponse::make(ErrorCode::kNotFound, "no such resource")));
  return out;
}

}  // namespace

std::vector<Sample> all_samples() {
  std::vector<Sample> out;
  for (auto& [name, m] : messages()) {
    auto bytes = encode_message(m);
    if (!bytes) {
      std::cerr << "wire_samples: " << name << " does not encode\n";
      std::abort();
    }
    m.header.length = static_cast<std::uint32_t>(bytes->size());
    out.push_back(Sample{name, std::move(m), std::move(*bytes)});
  }
  return out;
}

Bytes large_sample() {
  Message m = envelope(MessageCode::kStoreReq, body_bytes(store_req(3500)), 0x2000);
  auto bytes = encode_message(m);
  if (!bytes) std::abort();
  return std::move(*bytes);
}

}  // namespace p2psip::wire
