#include "overlay/wire/samples.h"

#include <array>

namespace p2psip::wire {

namespace {

constexpr std::uint64_t kSampleTimeMs = 1700000000000ULL;  // 2023-11-14T22:13:20Z
constexpr std::uint32_t kSampleLifetime = 3600;
constexpr std::size_t kRsa2048SignatureLength = 256;
constexpr std::size_t kSha256Length = 32;
constexpr KindId kSipKind = kSipRegistrationKindId;

constexpr std::array kCodes{
    MessageCode::kProbeReq,        MessageCode::kProbeAns,
    MessageCode::kAttachReq,       MessageCode::kAttachAns,
    MessageCode::kStoreReq,        MessageCode::kStoreAns,
    MessageCode::kFetchReq,        MessageCode::kFetchAns,
    MessageCode::kFindReq,         MessageCode::kFindAns,
    MessageCode::kJoinReq,         MessageCode::kJoinAns,
    MessageCode::kLeaveReq,        MessageCode::kLeaveAns,
    MessageCode::kUpdateReq,       MessageCode::kUpdateAns,
    MessageCode::kRouteQueryReq,   MessageCode::kRouteQueryAns,
    MessageCode::kPingReq,         MessageCode::kPingAns,
    MessageCode::kStatReq,         MessageCode::kStatAns,
    MessageCode::kAppAttachReq,    MessageCode::kAppAttachAns,
    MessageCode::kConfigUpdateReq, MessageCode::kConfigUpdateAns,
    MessageCode::kError,
};

Bytes filled(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((seed + 31 * i) & 0xff);
  return b;
}

IpAddressPort loopback_v4(std::uint8_t last, std::uint16_t port) {
  IpAddressPort a;
  a.type = AddressType::kIpv4;
  a.addr[0] = std::byte{192};
  a.addr[1] = std::byte{0};
  a.addr[2] = std::byte{2};
  a.addr[3] = std::byte{last};
  a.port = port;
  return a;
}

AttachReqAns attach(const char* ufrag, const char* role, std::uint8_t host) {
  IceCandidate c;
  c.addr_port = loopback_v4(host, 6084);
  c.overlay_link = OverlayLinkType::kTlsTcpFhNoIce;
  c.foundation = "1";
  c.priority = 0x7e0000ff;
  c.type = CandType::kHost;
  return AttachReqAns{ufrag, "0123456789abcdef01234567", role, {c}, true};
}

std::vector<NodeId> nodes(std::uint8_t first, std::size_t n) {
  std::vector<NodeId> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(sample_node_id(static_cast<std::uint8_t>(first + i)));
  }
  return out;
}

template <class T>
Bytes bytes_of(const T& v) {
  Writer w;
  encode(w, v);
  return std::move(w).take();
}

}  // namespace

KindModelLookup sample_kind_models() {
  return [](KindId k) -> std::optional<DataModel> {
    if (k == kSipKind) return DataModel::kDictionary;
    return std::nullopt;
  };
}

NodeId sample_node_id(std::uint8_t fill) {
  NodeId::Array a{};
  a.fill(std::byte{fill});
  return NodeId(a);
}

ResourceId sample_resource_id() { return ResourceId{filled(16, 0xa1)}; }

Signature sample_signature() {
  Signature s;
  s.algorithm = {kHashSha256, kSignatureRsa};
  s.identity.type = SignerIdentityType::kCertHashNodeId;
  s.identity.hash_alg = kHashSha256;
  s.identity.hash = filled(kSha256Length, 0x3c);
  s.value = filled(kRsa2048SignatureLength, 0x77);
  return s;
}

SipRegistration sample_sip_registration() {
  return SipRegistration::make_uri("sip:alice@192.0.2.7:5060");
}

StoredData sample_stored_sip_registration() {
  StoredData d;
  d.storage_time = kSampleTimeMs;
  d.lifetime = kSampleLifetime;
  NodeId storer = sample_node_id(0x5a);
  d.value = DictionaryEntry{Bytes(storer.view().begin(), storer.view().end()),
                            DataValue{true, bytes_of(sample_sip_registration())}};
  d.signature = sample_signature();
  return d;
}

ProbeReq sample_probe_req() {
  return ProbeReq{{ProbeInformationType::kResponsibleSet, ProbeInformationType::kNumResources,
                   ProbeInformationType::kUptime}};
}
ProbeAns sample_probe_ans() {
  return ProbeAns{{{ProbeInformationType::kResponsibleSet, 250000000, {}},
                   {ProbeInformationType::kNumResources, 42, {}},
                   {ProbeInformationType::kUptime, 86400, {}}}};
}

AttachReqAns sample_attach_req() { return attach("a1b2", "passive", 10); }
AttachReqAns sample_attach_ans() {
  AttachReqAns a = attach("c3d4", "active", 20);
  a.send_update = false;
  return a;
}

StoreReq sample_store_req() {
  StoreReq s;
  s.resource = sample_resource_id();
  s.replica_number = 0;
  s.kind_data.push_back(StoreKindData{kSipKind, 7, {sample_stored_sip_registration()}, {}});
  return s;
}
StoreAns sample_store_ans() {
  return StoreAns{{StoreKindResponse{kSipKind, 8, nodes(0x61, 2)}}};
}

FetchReq sample_fetch_req() {
  return FetchReq{sample_resource_id(), {StoredDataSpecifier{kSipKind, 0, DictionarySpecifier{}}}};
}
FetchAns sample_fetch_ans() {
  return FetchAns{{FetchKindResponse{kSipKind, 8, {sample_stored_sip_registration()}, {}}}};
}

FindReq sample_find_req() { return FindReq{sample_resource_id(), {kSipKind}}; }
FindAns sample_find_ans() { return FindAns{{FindKindData{kSipKind, sample_resource_id()}}}; }

JoinReq sample_join_req() { return JoinReq{sample_node_id(0x5a), {}}; }
JoinAns sample_join_ans() { return JoinAns{}; }
LeaveReq sample_leave_req() {
  return make_chord_leave_req(sample_node_id(0x5a),
                              ChordLeaveData{ChordLeaveType::kFromSucc, nodes(0x61, 3)});
}
LeaveAns sample_leave_ans() { return {}; }

ChordUpdate sample_update_req() {
  return ChordUpdate{86400, ChordUpdateType::kFull, nodes(0x51, 3), nodes(0x61, 3),
                     nodes(0x80, 16)};
}
UpdateAns sample_update_ans() { return {}; }

RouteQueryReq sample_route_query_req() {
  return RouteQueryReq{false, Destination::resource(sample_resource_id()), {}};
}
ChordRouteQueryAns sample_route_query_ans() { return {sample_node_id(0x61)}; }

PingReq sample_ping_req() { return PingReq{}; }
PingAns sample_ping_ans() { return PingAns{0x1122334455667788ULL, kSampleTimeMs}; }

StatReq sample_stat_req() {
  return StatReq{sample_resource_id(), {StoredDataSpecifier{kSipKind, 0, DictionarySpecifier{}}}};
}
StatAns sample_stat_ans() {
  NodeId storer = sample_node_id(0x5a);
  MetaData m{true, 30, kHashSha256, filled(kSha256Length, 0x12)};
  StoredMetaData sm{61, kSampleTimeMs, kSampleLifetime,
                    DictionaryEntryMeta{Bytes(storer.view().begin(), storer.view().end()), m}};
  return StatAns{{StatKindResponse{kSipKind, 8, {sm}, {}}}};
}

AppAttachReq sample_app_attach_req() {
  AttachReqAns a = sample_attach_req();
  return AppAttachReq{a.ufrag, a.password, 5060, a.role, a.candidates};
}
AppAttachAns sample_app_attach_ans() {
  AttachReqAns a = sample_attach_ans();
  return AppAttachAns{a.ufrag, a.password, 5060, a.role, a.candidates};
}

ConfigUpdateReq sample_config_update_req() {
  return ConfigUpdateReq{ConfigUpdateType::kConfig,
                         to_bytes("<overlay xmlns=\"urn:ietf:params:xml:ns:p2p:config-base\">"
                                  "<configuration instance-name=\"p2p.example.com\" "
                                  "sequence=\"2\"/></overlay>"),
                         {}};
}
ConfigUpdateAns sample_config_update_ans() { return {}; }

ErrorResponse sample_error_response() {
  return ErrorResponse::make(ErrorCode::kNotFound, "no registration for that AoR");
}

Bytes sample_body(MessageCode code) {
  switch (code) {
    case MessageCode::kProbeReq: return bytes_of(sample_probe_req());
    case MessageCode::kProbeAns: return bytes_of(sample_probe_ans());
    case MessageCode::kAttachReq: return bytes_of(sample_attach_req());
    case MessageCode::kAttachAns: return bytes_of(sample_attach_ans());
    case MessageCode::kStoreReq: return bytes_of(sample_store_req());
    case MessageCode::kStoreAns: return bytes_of(sample_store_ans());
    case MessageCode::kFetchReq: return bytes_of(sample_fetch_req());
    case MessageCode::kFetchAns: return bytes_of(sample_fetch_ans());
    case MessageCode::kFindReq: return bytes_of(sample_find_req());
    case MessageCode::kFindAns: return bytes_of(sample_find_ans());
    case MessageCode::kJoinReq: return bytes_of(sample_join_req());
    case MessageCode::kJoinAns: return bytes_of(sample_join_ans());
    case MessageCode::kLeaveReq: return bytes_of(sample_leave_req());
    case MessageCode::kUpdateReq: return bytes_of(sample_update_req());
    case MessageCode::kRouteQueryReq: return bytes_of(sample_route_query_req());
    case MessageCode::kRouteQueryAns: return bytes_of(sample_route_query_ans());
    case MessageCode::kPingReq: return bytes_of(sample_ping_req());
    case MessageCode::kPingAns: return bytes_of(sample_ping_ans());
    case MessageCode::kStatReq: return bytes_of(sample_stat_req());
    case MessageCode::kStatAns: return bytes_of(sample_stat_ans());
    case MessageCode::kAppAttachReq: return bytes_of(sample_app_attach_req());
    case MessageCode::kAppAttachAns: return bytes_of(sample_app_attach_ans());
    case MessageCode::kConfigUpdateReq: return bytes_of(sample_config_update_req());
    case MessageCode::kError: return bytes_of(sample_error_response());
    default: return {};  // LeaveAns, UpdateAns, ConfigUpdateAns are empty; others unsampled
  }
}

std::span<const MessageCode> sample_message_codes() { return kCodes; }

}  // namespace p2psip::wire
