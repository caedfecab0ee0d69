#include "overlay/wire/forwarding_header.h"

#include <algorithm>

namespace p2psip::wire {

namespace {

constexpr std::size_t kLengthFieldOffset = 16;  // relo_token..fragment come first
constexpr std::size_t kMaxListBytes = 0xffff;   // the uint16 list lengths

WireError make_error(DecodeFailure f, std::size_t offset, const char* what, std::uint16_t code) {
  return WireError{f, offset, what, code};
}

Bytes encode_list(const std::vector<Destination>& list, bool& ok) {
  Writer w;
  encode_destinations(w, list);
  if (!w.ok() || w.size() > kMaxListBytes) ok = false;
  return std::move(w).take();
}

std::vector<ForwardingOption> decode_options(Reader& body) {
  std::vector<ForwardingOption> out;
  while (body.ok() && !body.empty()) {
    if (out.size() == kMaxForwardingOptions) {
      body.fail(DecodeFailure::kTooLarge, "ForwardingHeader.options count");
      break;
    }
    out.push_back(decode_forwarding_option(body));
  }
  return out;
}

// §6.3.2.2: a resource Destination only as the last destination entry, never in the via list.
void check_resource_placement(Reader& r, const ForwardingHeader& h) {
  for (const Destination& d : h.via_list) {
    if (d.is_resource()) r.fail(DecodeFailure::kBadValue, "ForwardingHeader.via_list: resource");
  }
  for (std::size_t i = 0; i + 1 < h.destination_list.size(); ++i) {
    if (h.destination_list[i].is_resource()) {
      r.fail(DecodeFailure::kBadValue, "ForwardingHeader.destination_list: resource not last");
    }
  }
}

bool is_known(std::span<const std::uint8_t> known, std::uint8_t type) {
  return std::find(known.begin(), known.end(), type) != known.end();
}

}  // namespace

void encode(Writer& w, const ForwardingOption& v) {
  w.u8(v.type);
  w.u8(v.flags);
  w.opaque(2, kMaxForwardingOptionLength, v.value);
}

void encode(Writer& w, const ForwardingHeader& v) {
  bool ok = v.options.size() <= kMaxForwardingOptions;
  Bytes via = encode_list(v.via_list, ok);
  Bytes dest = encode_list(v.destination_list, ok);
  Writer opts;
  for (const ForwardingOption& o : v.options) encode(opts, o);
  if (!opts.ok() || opts.size() > kMaxListBytes) ok = false;

  w.u32(kReloToken);
  w.u32(v.overlay);
  w.u16(v.configuration_sequence);
  w.u8(v.version);
  w.u8(v.ttl);
  w.u32(v.fragment);
  w.u32(v.length);
  w.u64(v.transaction_id);
  w.u32(v.max_response_length);
  w.u16(static_cast<std::uint16_t>(via.size()));
  w.u16(static_cast<std::uint16_t>(dest.size()));
  w.u16(static_cast<std::uint16_t>(opts.size()));
  w.raw(via);
  w.raw(dest);
  w.raw(opts.bytes());
  if (!ok) w.fail();
}

ForwardingOption decode_forwarding_option(Reader& r) {
  ForwardingOption o;
  o.type = r.u8("ForwardingOption.type");
  o.flags = r.u8("ForwardingOption.flags");
  o.value = r.opaque(2, kMaxForwardingOptionLength, "ForwardingOption.length");
  return o;
}

ForwardingHeader decode_forwarding_header(Reader& r) {
  ForwardingHeader h;
  if (r.u32("ForwardingHeader.relo_token") != kReloToken && r.ok()) {
    r.fail(DecodeFailure::kWrongOverlay, "ForwardingHeader.relo_token");
  }
  h.overlay = r.u32("ForwardingHeader.overlay");
  h.configuration_sequence = r.u16("ForwardingHeader.configuration_sequence");
  h.version = r.u8("ForwardingHeader.version");
  if (r.ok() && h.version != kReloadVersion) {
    r.fail(DecodeFailure::kWrongOverlay, "ForwardingHeader.version",
           errc::kIncompatibleWithOverlay);
  }
  h.ttl = r.u8("ForwardingHeader.ttl");
  h.fragment = r.u32("ForwardingHeader.fragment");
  if (r.ok() && (h.fragment & kFragmentHighBit) == 0) {
    r.fail(DecodeFailure::kBadValue, "ForwardingHeader.fragment high bit");
  }
  h.length = r.u32("ForwardingHeader.length");
  h.transaction_id = r.u64("ForwardingHeader.transaction_id");
  h.max_response_length = r.u32("ForwardingHeader.max_response_length");
  std::uint16_t via_len = r.u16("ForwardingHeader.via_list_length");
  std::uint16_t dest_len = r.u16("ForwardingHeader.destination_list_length");
  std::uint16_t opt_len = r.u16("ForwardingHeader.options_length");

  std::size_t via_at = r.offset();
  Reader via(r.view(via_len, "ForwardingHeader.via_list"), via_at);
  std::size_t dest_at = r.offset();
  Reader dest(r.view(dest_len, "ForwardingHeader.destination_list"), dest_at);
  std::size_t opt_at = r.offset();
  Reader opts(r.view(opt_len, "ForwardingHeader.options"), opt_at);
  if (!r.ok()) return h;
  h.via_list = decode_destinations(via, "ForwardingHeader.via_list");
  h.destination_list = decode_destinations(dest, "ForwardingHeader.destination_list");
  h.options = decode_options(opts);
  r.absorb(via);
  r.absorb(dest);
  r.absorb(opts);
  if (r.ok()) check_resource_placement(r, h);
  return h;
}

Expected<void, WireError> check_forwarding_header(const ForwardingHeader& h,
                                                  std::size_t message_size,
                                                  const DecodeParams& params) {
  // A length field above the maximum is a message too large even when only its head is at
  // hand (the link layer truncates oversized frames, wire/framing.h): §6.3.3.1 answers it with
  // Error_Message_Too_Large.
  if (message_size > params.max_message_size || h.length > params.max_message_size) {
    return unexpected(make_error(DecodeFailure::kTooLarge, 0, "message larger than max size",
                                 errc::kMessageTooLarge));
  }
  if (h.length != message_size) {
    auto f = h.length > message_size ? DecodeFailure::kTruncated : DecodeFailure::kTrailingBytes;
    return unexpected(make_error(f, kLengthFieldOffset, "ForwardingHeader.length",
                                 errc::kInvalidMessage));
  }
  if (h.overlay != params.overlay) {
    return unexpected(make_error(DecodeFailure::kWrongOverlay, 4, "ForwardingHeader.overlay",
                                 errc::kIncompatibleWithOverlay));
  }
  if (h.ttl > params.initial_ttl) {
    return unexpected(make_error(DecodeFailure::kBadValue, 11, "ForwardingHeader.ttl",
                                 errc::kTtlExceeded));
  }
  if (params.option_role) {
    return check_forwarding_options(h, *params.option_role, params.known_options);
  }
  return {};
}

Expected<void, WireError> check_forwarding_options(const ForwardingHeader& h, ProcessingRole role,
                                                   std::span<const std::uint8_t> known_options) {
  std::uint8_t critical =
      role == ProcessingRole::kForwarding ? kForwardCritical : kDestinationCritical;
  for (const ForwardingOption& o : h.options) {
    if ((o.flags & critical) != 0 && !is_known(known_options, o.type)) {
      return unexpected(make_error(DecodeFailure::kUnknownCritical, 0,
                                   "ForwardingOption: unknown critical option",
                                   errc::kUnsupportedForwardingOption));
    }
  }
  return {};
}

Expected<ParsedHeader, WireError> parse_forwarding_header(ByteView message,
                                                          const DecodeParams& params) {
  Reader r(message);
  ForwardingHeader h = decode_forwarding_header(r);
  if (!r.ok()) return unexpected(*r.error());
  auto checked = check_forwarding_header(h, message.size(), params);
  if (!checked) return unexpected(checked.error());
  ByteView payload = message.subspan(message.size() - r.remaining());
  return ParsedHeader{std::move(h), payload};
}

Expected<Bytes, WireError> encode_forwarded(const ForwardingHeader& h, ByteView payload) {
  Writer w;
  encode(w, h);
  w.raw(payload);
  if (!w.ok() || w.size() > 0xffffffffu) {
    return unexpected(make_error(DecodeFailure::kTooLarge, 0, "encode: a length overflows", 0));
  }
  w.patch_u32(kLengthFieldOffset, static_cast<std::uint32_t>(w.size()));
  return std::move(w).take();
}

}  // namespace p2psip::wire
