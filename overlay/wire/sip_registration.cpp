#include "overlay/wire/sip_registration.h"

namespace p2psip::wire {

namespace {

void encode_data(Writer& w, const SipRegistration& v) {
  switch (v.type) {
    case SipRegistrationType::kUri:
      if (!v.contact_prefs.empty() || !v.destination_list.empty()) w.fail();
      w.opaque(2, kMaxSipUriLength, v.uri);
      return;
    case SipRegistrationType::kRoute: {
      if (!v.uri.empty()) w.fail();
      w.opaque(2, kMaxContactPrefsLength, v.contact_prefs);
      Writer::Mark m = w.begin(2, 0xffff);
      encode_destinations(w, v.destination_list);
      if (w.size() - m.length_at - 2 < kMinDestinationListLength) w.fail();
      w.end(m);
      return;
    }
  }
  w.raw(v.unknown_data);
}

void decode_route(Reader& body, SipRegistration& v) {
  v.contact_prefs =
      body.opaque_string(2, kMaxContactPrefsLength, "SipRegistration.contact_prefs");
  Reader list = body.sub(2, 0xffff, "SipRegistration.destination_list");
  if (list.ok() && list.remaining() < kMinDestinationListLength) {
    list.fail(DecodeFailure::kBadValue, "SipRegistration.destination_list length < 3");
  }
  v.destination_list = decode_destinations(list, "SipRegistration.destination_list");
  body.absorb(list);
}

}  // namespace

SipRegistration SipRegistration::make_uri(std::string uri) {
  SipRegistration v;
  v.type = SipRegistrationType::kUri;
  v.uri = std::move(uri);
  return v;
}

SipRegistration SipRegistration::make_route(std::string contact_prefs,
                                            std::vector<Destination> path) {
  SipRegistration v;
  v.type = SipRegistrationType::kRoute;
  v.contact_prefs = std::move(contact_prefs);
  v.destination_list = std::move(path);
  return v;
}

bool SipRegistration::is_known() const {
  return type == SipRegistrationType::kUri || type == SipRegistrationType::kRoute;
}

void encode(Writer& w, const SipRegistration& v) {
  if (v.is_known() && !v.unknown_data.empty()) w.fail();
  w.u8(static_cast<std::uint8_t>(v.type));
  Writer::Mark m = w.begin(2, 0xffff);
  encode_data(w, v);
  w.end(m);
}

SipRegistration decode_sip_registration(Reader& r) {
  SipRegistration v;
  v.type = static_cast<SipRegistrationType>(r.u8("SipRegistration.type"));
  Reader body = r.sub(2, 0xffff, "SipRegistration.length");
  if (!body.ok()) {
    // r carries the error
  } else if (v.type == SipRegistrationType::kUri) {
    v.uri = body.opaque_string(2, kMaxSipUriLength, "SipRegistration.uri");
  } else if (v.type == SipRegistrationType::kRoute) {
    decode_route(body, v);
  } else {
    v.unknown_data = body.bytes(body.remaining(), "SipRegistration.data");
  }
  body.expect_end("SipRegistration.data");
  r.absorb(body);
  return v;
}

Expected<Bytes, WireError> encode_sip_registration(const SipRegistration& v) {
  return encode_to_bytes(v);
}

Expected<SipRegistration, WireError> decode_sip_registration(ByteView in) {
  return decode_whole<SipRegistration>(
      in, [](Reader& r) { return decode_sip_registration(r); }, "SipRegistration");
}

}  // namespace p2psip::wire
