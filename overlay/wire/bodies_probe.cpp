#include "overlay/wire/bodies_probe.h"

#include "overlay/wire/bodies_util.h"

namespace p2psip::wire {

namespace {

constexpr std::uint8_t kInvalidProbeType = 0;
constexpr std::size_t kProbeUint32Length = 4;

bool known_type(ProbeInformationType t) {
  return t == ProbeInformationType::kResponsibleSet ||
         t == ProbeInformationType::kNumResources || t == ProbeInformationType::kUptime;
}

ProbeInformationType decode_probe_type(Reader& r, const char* what) {
  std::uint8_t t = r.u8(what);
  if (r.ok() && t == kInvalidProbeType) r.fail(DecodeFailure::kBadValue, what);
  return static_cast<ProbeInformationType>(t);
}

}  // namespace

bool ProbeInformation::is_known() const { return known_type(type); }

void encode(Writer& w, const ProbeReq& v) {
  encode_list(w, 1, 0xff, kMaxProbeInfo, v.requested_info,
              [](Writer& x, ProbeInformationType t) {
                if (static_cast<std::uint8_t>(t) == kInvalidProbeType) x.fail();
                x.u8(static_cast<std::uint8_t>(t));
              });
}

void encode(Writer& w, const ProbeInformation& v) {
  if (static_cast<std::uint8_t>(v.type) == kInvalidProbeType) w.fail();
  w.u8(static_cast<std::uint8_t>(v.type));
  Writer::Mark m = w.begin(1, 0xff);
  if (v.is_known()) {
    if (!v.raw_value.empty()) w.fail();
    w.u32(v.value);
  } else {
    if (v.value != 0) w.fail();
    w.raw(v.raw_value);
  }
  w.end(m);
}

void encode(Writer& w, const ProbeAns& v) {
  encode_list(w, 2, 0xffff, kMaxProbeInfo, v.probe_info,
              [](Writer& x, const ProbeInformation& p) { encode(x, p); });
}

ProbeReq decode_probe_req(Reader& r) {
  ProbeReq v;
  v.requested_info = decode_list<ProbeInformationType>(
      r, 1, 0xff, kMaxProbeInfo, "ProbeReq.requested_info",
      [](Reader& x) { return decode_probe_type(x, "ProbeReq.requested_info entry"); });
  return v;
}

ProbeInformation decode_probe_information(Reader& r) {
  ProbeInformation v;
  v.type = decode_probe_type(r, "ProbeInformation.type");
  Reader body = r.sub(1, 0xff, "ProbeInformation.length");
  if (!known_type(v.type)) {
    v.raw_value = body.bytes(body.remaining(), "ProbeInformation.value");
  } else if (body.remaining() != kProbeUint32Length) {
    body.fail(DecodeFailure::kBadValue, "ProbeInformation.length");
  } else {
    v.value = body.u32("ProbeInformation.value");
  }
  r.absorb(body);
  return v;
}

ProbeAns decode_probe_ans(Reader& r) {
  ProbeAns v;
  v.probe_info = decode_list<ProbeInformation>(r, 2, 0xffff, kMaxProbeInfo,
                                               "ProbeAns.probe_info", decode_probe_information);
  return v;
}

Expected<ProbeReq, WireError> decode_probe_req(ByteView in) {
  return decode_whole<ProbeReq>(in, [](Reader& r) { return decode_probe_req(r); }, "ProbeReq");
}
Expected<ProbeAns, WireError> decode_probe_ans(ByteView in) {
  return decode_whole<ProbeAns>(in, [](Reader& r) { return decode_probe_ans(r); }, "ProbeAns");
}

}  // namespace p2psip::wire
