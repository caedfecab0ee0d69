#include "overlay/wire/bodies_attach.h"

#include "overlay/wire/bodies_util.h"

namespace p2psip::wire {

namespace {

bool has_rel_addr(CandType t) { return t == CandType::kSrflx || t == CandType::kRelay; }

void encode_candidates(Writer& w, const std::vector<IceCandidate>& list) {
  encode_list(w, 2, 0xffff, kMaxCandidates, list,
              [](Writer& x, const IceCandidate& c) { encode(x, c); });
}

std::vector<IceCandidate> decode_candidates(Reader& r, const char* what) {
  return decode_list<IceCandidate>(r, 2, 0xffff, kMaxCandidates, what, decode_ice_candidate);
}

OverlayLinkType decode_overlay_link(Reader& r) {
  std::uint8_t v = r.u8("IceCandidate.overlay_link");
  if (r.ok() && v == 0) r.fail(DecodeFailure::kBadValue, "IceCandidate.overlay_link");
  return static_cast<OverlayLinkType>(v);
}

CandType decode_cand_type(Reader& r) {
  std::uint8_t v = r.u8("IceCandidate.type");
  auto t = static_cast<CandType>(v);
  if (r.ok() && t != CandType::kHost && !has_rel_addr(t)) {
    r.fail(DecodeFailure::kBadValue, "IceCandidate.type");
  }
  return t;
}

}  // namespace

bool operator==(const IceCandidate& a, const IceCandidate& b) {
  return a.addr_port == b.addr_port && a.overlay_link == b.overlay_link &&
         a.foundation == b.foundation && a.priority == b.priority && a.type == b.type &&
         (!has_rel_addr(a.type) || a.rel_addr_port == b.rel_addr_port) &&
         a.extensions == b.extensions;
}

void encode(Writer& w, const IceExtension& v) {
  w.opaque(2, 0xffff, v.name);
  w.opaque(2, 0xffff, v.value);
}

void encode(Writer& w, const IceCandidate& v) {
  encode(w, v.addr_port);
  if (v.overlay_link == OverlayLinkType::kInvalid) w.fail();
  w.u8(static_cast<std::uint8_t>(v.overlay_link));
  w.opaque(1, kMaxIceParamLength, v.foundation);
  w.u32(v.priority);
  if (v.type != CandType::kHost && !has_rel_addr(v.type)) w.fail();
  w.u8(static_cast<std::uint8_t>(v.type));
  if (has_rel_addr(v.type)) encode(w, v.rel_addr_port);
  encode_list(w, 2, 0xffff, kMaxIceExtensions, v.extensions,
              [](Writer& x, const IceExtension& e) { encode(x, e); });
}

void encode(Writer& w, const AttachReqAns& v) {
  w.opaque(1, kMaxIceParamLength, v.ufrag);
  w.opaque(1, kMaxIceParamLength, v.password);
  w.opaque(1, kMaxIceParamLength, v.role);
  encode_candidates(w, v.candidates);
  encode_boolean(w, v.send_update);
}

void encode(Writer& w, const AppAttachReqAns& v) {
  w.opaque(1, kMaxIceParamLength, v.ufrag);
  w.opaque(1, kMaxIceParamLength, v.password);
  w.u16(v.application);
  w.opaque(1, kMaxIceParamLength, v.role);
  encode_candidates(w, v.candidates);
}

IceExtension decode_ice_extension(Reader& r) {
  IceExtension v;
  v.name = r.opaque(2, 0xffff, "IceExtension.name");
  v.value = r.opaque(2, 0xffff, "IceExtension.value");
  return v;
}

IceCandidate decode_ice_candidate(Reader& r) {
  IceCandidate v;
  v.addr_port = decode_ip_address_port(r);
  v.overlay_link = decode_overlay_link(r);
  v.foundation = r.opaque_string(1, kMaxIceParamLength, "IceCandidate.foundation");
  v.priority = r.u32("IceCandidate.priority");
  v.type = decode_cand_type(r);
  if (r.ok() && has_rel_addr(v.type)) v.rel_addr_port = decode_ip_address_port(r);
  v.extensions = decode_list<IceExtension>(r, 2, 0xffff, kMaxIceExtensions,
                                           "IceCandidate.extensions", decode_ice_extension);
  return v;
}

AttachReqAns decode_attach_req_ans(Reader& r) {
  AttachReqAns v;
  v.ufrag = r.opaque_string(1, kMaxIceParamLength, "AttachReqAns.ufrag");
  v.password = r.opaque_string(1, kMaxIceParamLength, "AttachReqAns.password");
  v.role = r.opaque_string(1, kMaxIceParamLength, "AttachReqAns.role");
  v.candidates = decode_candidates(r, "AttachReqAns.candidates");
  v.send_update = decode_boolean(r, "AttachReqAns.send_update");
  return v;
}

AppAttachReqAns decode_app_attach(Reader& r) {
  AppAttachReqAns v;
  v.ufrag = r.opaque_string(1, kMaxIceParamLength, "AppAttach.ufrag");
  v.password = r.opaque_string(1, kMaxIceParamLength, "AppAttach.password");
  v.application = r.u16("AppAttach.application");
  v.role = r.opaque_string(1, kMaxIceParamLength, "AppAttach.role");
  v.candidates = decode_candidates(r, "AppAttach.candidates");
  return v;
}

Expected<AttachReqAns, WireError> decode_attach_req_ans(ByteView in) {
  return decode_whole<AttachReqAns>(
      in, [](Reader& r) { return decode_attach_req_ans(r); }, "AttachReqAns");
}

Expected<AppAttachReqAns, WireError> decode_app_attach(ByteView in) {
  return decode_whole<AppAttachReqAns>(
      in, [](Reader& r) { return decode_app_attach(r); }, "AppAttach");
}

}  // namespace p2psip::wire
