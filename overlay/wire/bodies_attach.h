#pragma once
// RFC 6940 §6.5.1 Attach and §6.5.2 AppAttach bodies: ICE parameters and candidates.
// Codec convention: see ids.h.
//
// OverlayLinkType does not change the layout, so an unassigned link type is kept (the caller
// ignores such a candidate); only invalidOverlayLinkType(0) is rejected. CandType does change
// the layout (rel_addr_port), so anything but host/srflx/relay is kBadValue.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/ids.h"

namespace p2psip::wire {

inline constexpr std::size_t kMaxCandidates = 64;        // candidates<0..2^16-1>
inline constexpr std::size_t kMaxIceExtensions = 32;     // extensions<0..2^16-1>
inline constexpr std::size_t kMaxIceParamLength = 255;   // ufrag, password, role, foundation

// §6.5.1.1 / §14.10.
enum class OverlayLinkType : std::uint8_t {
  kInvalid = 0,
  kDtlsUdpSr = 1,
  kDtlsUdpSrNoIce = 3,
  kTlsTcpFhNoIce = 4,
  kExpLink = 5,
};

// enum { invalidCandType(0), host(1), srflx(2), /* RESERVED(3) */ relay(4), (255) } CandType;
enum class CandType : std::uint8_t { kInvalid = 0, kHost = 1, kSrflx = 2, kRelay = 4 };

// struct { opaque name<0..2^16-1>; opaque value<0..2^16-1>; } IceExtension;
struct IceExtension {
  Bytes name;
  Bytes value;
  friend bool operator==(const IceExtension&, const IceExtension&) = default;
};

// struct { IpAddressPort addr_port; OverlayLinkType overlay_link; opaque foundation<0..255>;
//          uint32 priority; CandType type; select (type) { case host: ;
//          case srflx: case relay: IpAddressPort rel_addr_port; };
//          IceExtension extensions<0..2^16-1>; } IceCandidate;
struct IceCandidate {
  IpAddressPort addr_port;
  OverlayLinkType overlay_link = OverlayLinkType::kTlsTcpFhNoIce;
  std::string foundation;
  std::uint32_t priority = 0;
  CandType type = CandType::kHost;
  IpAddressPort rel_addr_port;  // on the wire only for srflx and relay; ignored for host
  std::vector<IceExtension> extensions;
  // Compares rel_addr_port only where it is on the wire.
  friend bool operator==(const IceCandidate& a, const IceCandidate& b);
};

// struct { opaque ufrag<0..2^8-1>; opaque password<0..2^8-1>; opaque role<0..2^8-1>;
//          IceCandidate candidates<0..2^16-1>; Boolean send_update; } AttachReqAns;
struct AttachReqAns {
  std::string ufrag;
  std::string password;
  std::string role;  // "active" or "passive" (§6.5.1.1)
  std::vector<IceCandidate> candidates;
  bool send_update = false;
  friend bool operator==(const AttachReqAns&, const AttachReqAns&) = default;
};

// struct { opaque ufrag<0..2^8-1>; opaque password<0..2^8-1>; uint16 application;
//          opaque role<0..2^8-1>; IceCandidate candidates<0..2^16-1>; } AppAttachReq;
// AppAttachAns has the same layout (§6.5.2.2).
struct AppAttachReqAns {
  std::string ufrag;
  std::string password;
  std::uint16_t application = 5060;  // Application-ID (§14.5); 5060 = SIP
  std::string role;
  std::vector<IceCandidate> candidates;
  friend bool operator==(const AppAttachReqAns&, const AppAttachReqAns&) = default;
};
using AppAttachReq = AppAttachReqAns;
using AppAttachAns = AppAttachReqAns;

// ---- codec ----
void encode(Writer& w, const IceExtension& v);
void encode(Writer& w, const IceCandidate& v);
void encode(Writer& w, const AttachReqAns& v);
void encode(Writer& w, const AppAttachReqAns& v);

IceExtension decode_ice_extension(Reader& r);
IceCandidate decode_ice_candidate(Reader& r);
AttachReqAns decode_attach_req_ans(Reader& r);
AppAttachReqAns decode_app_attach(Reader& r);

Expected<AttachReqAns, WireError> decode_attach_req_ans(ByteView in);
Expected<AppAttachReqAns, WireError> decode_app_attach(ByteView in);

}  // namespace p2psip::wire
