#include "overlay/wire/message.h"

#include <algorithm>

namespace p2psip::wire {

namespace {

constexpr std::size_t kLengthFieldOffset = 16;
constexpr std::size_t kMaxBody = 0xffffffff;  // opaque<0..2^32-1>

bool valid_message_code(std::uint16_t code) {
  return code != 0 && (code < 0x8000 || code == 0xffff);
}

std::vector<MessageExtension> decode_extensions(Reader& body) {
  std::vector<MessageExtension> out;
  while (body.ok() && !body.empty()) {
    if (out.size() == kMaxMessageExtensions) {
      body.fail(DecodeFailure::kTooLarge, "MessageContents.extensions count");
      break;
    }
    out.push_back(decode_message_extension(body));
  }
  return out;
}

std::vector<GenericCertificate> decode_certificates(Reader& body) {
  std::vector<GenericCertificate> out;
  while (body.ok() && !body.empty()) {
    if (out.size() == kMaxCertificates) {
      body.fail(DecodeFailure::kTooLarge, "SecurityBlock.certificates count");
      break;
    }
    out.push_back(decode_generic_certificate(body));
  }
  return out;
}

WireError too_large(const char* what) {
  return WireError{DecodeFailure::kTooLarge, 0, what, errc::kMessageTooLarge};
}

void append_u32(Bytes& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}

void append_u64(Bytes& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}

}  // namespace

// ---- MessageContents ----

void encode(Writer& w, const MessageExtension& v) {
  w.u16(v.type);
  encode_boolean(w, v.critical);
  w.opaque(4, kMaxBody, v.contents);
}

void encode(Writer& w, const MessageContents& v) {
  if (v.extensions.size() > kMaxMessageExtensions) w.fail();
  w.u16(v.message_code);
  w.opaque(4, kMaxBody, v.message_body);
  Writer::Mark m = w.begin(4, kMaxBody);
  for (const MessageExtension& e : v.extensions) encode(w, e);
  w.end(m);
}

MessageExtension decode_message_extension(Reader& r) {
  MessageExtension e;
  e.type = r.u16("MessageExtension.type");
  e.critical = decode_boolean(r, "MessageExtension.critical");
  e.contents = r.opaque(4, kMaxBody, "MessageExtension.extension_contents");
  return e;
}

MessageContents decode_message_contents(Reader& r) {
  MessageContents c;
  c.message_code = r.u16("MessageContents.message_code");
  if (r.ok() && !valid_message_code(c.message_code)) {
    r.fail(DecodeFailure::kBadValue, "MessageContents.message_code");
  }
  c.message_body = r.opaque(4, kMaxBody, "MessageContents.message_body");
  Reader ext = r.sub(4, kMaxBody, "MessageContents.extensions");
  c.extensions = decode_extensions(ext);
  r.absorb(ext);
  return c;
}

// ---- SecurityBlock ----

void encode(Writer& w, const GenericCertificate& v) {
  w.u8(static_cast<std::uint8_t>(v.type));
  w.opaque(2, kMaxCertificateLength, v.certificate);
}

void encode(Writer& w, const SignerIdentity& v) {
  w.u8(static_cast<std::uint8_t>(v.type));
  Writer::Mark m = w.begin(2, 0xffff);
  switch (v.type) {
    case SignerIdentityType::kCertHash:
    case SignerIdentityType::kCertHashNodeId:
      w.u8(v.hash_alg);
      w.opaque(1, kMaxSignerHashLength, v.hash);
      break;
    case SignerIdentityType::kNone:
      if (v.hash_alg != kHashNone || !v.hash.empty()) w.fail();  // would not read back
      break;
    default:
      w.fail();
      break;
  }
  w.end(m);
}

void encode(Writer& w, const Signature& v) {
  w.u8(v.algorithm.hash);
  w.u8(v.algorithm.signature);
  encode(w, v.identity);
  w.opaque(2, kMaxSignatureLength, v.value);
}

void encode(Writer& w, const SecurityBlock& v) {
  if (v.certificates.size() > kMaxCertificates) w.fail();
  Writer::Mark m = w.begin(2, 0xffff);
  for (const GenericCertificate& c : v.certificates) encode(w, c);
  w.end(m);
  encode(w, v.signature);
}

GenericCertificate decode_generic_certificate(Reader& r) {
  GenericCertificate c;
  c.type = static_cast<CertificateType>(r.u8("GenericCertificate.type"));
  c.certificate = r.opaque(2, kMaxCertificateLength, "GenericCertificate.certificate");
  return c;
}

SignerIdentity decode_signer_identity(Reader& r) {
  SignerIdentity s;
  std::uint8_t type = r.u8("SignerIdentity.identity_type");
  Reader body = r.sub(2, 0xffff, "SignerIdentity.length");
  switch (type) {
    case static_cast<std::uint8_t>(SignerIdentityType::kCertHash):
    case static_cast<std::uint8_t>(SignerIdentityType::kCertHashNodeId):
      s.type = static_cast<SignerIdentityType>(type);
      s.hash_alg = body.u8("SignerIdentityValue.hash_alg");
      s.hash = body.opaque(1, kMaxSignerHashLength, "SignerIdentityValue.certificate_hash");
      break;
    case static_cast<std::uint8_t>(SignerIdentityType::kNone):
      s.type = SignerIdentityType::kNone;
      break;
    default:
      body.fail(DecodeFailure::kBadValue, "SignerIdentity.identity_type");
      break;
  }
  body.expect_end("SignerIdentity.identity");
  r.absorb(body);
  return s;
}

Signature decode_signature(Reader& r) {
  Signature s;
  s.algorithm.hash = r.u8("SignatureAndHashAlgorithm.hash");
  s.algorithm.signature = r.u8("SignatureAndHashAlgorithm.signature");
  s.identity = decode_signer_identity(r);
  s.value = r.opaque(2, kMaxSignatureLength, "Signature.signature_value");
  return s;
}

SecurityBlock decode_security_block(Reader& r) {
  SecurityBlock b;
  Reader certs = r.sub(2, 0xffff, "SecurityBlock.certificates");
  b.certificates = decode_certificates(certs);
  r.absorb(certs);
  b.signature = decode_signature(r);
  return b;
}

// ---- whole messages ----

Expected<Bytes, WireError> encode_message(const Message& m, std::size_t max_message_size) {
  Writer w;
  encode(w, m.header);
  encode(w, m.contents);
  encode(w, m.security);
  if (!w.ok()) return unexpected(too_large("encode: a length field overflows"));
  if (w.size() > max_message_size) return unexpected(too_large("encode: message too large"));
  w.patch_u32(kLengthFieldOffset, static_cast<std::uint32_t>(w.size()));
  return std::move(w).take();
}

Expected<Message, WireError> decode_message(ByteView bytes, const DecodeParams& params,
                                            std::span<const std::uint16_t> known_extensions) {
  auto parsed = parse_forwarding_header(bytes, params);
  if (!parsed) return unexpected(parsed.error());
  Message m;
  m.header = std::move(parsed->header);
  std::size_t payload_at = bytes.size() - parsed->payload.size();
  if (m.header.is_fragment()) {
    return unexpected(WireError{DecodeFailure::kBadValue, 12,
                                "ForwardingHeader.fragment: a fragment, reassemble first",
                                errc::kInvalidMessage});
  }
  Reader r(parsed->payload, payload_at);
  m.contents = decode_message_contents(r);
  m.security = decode_security_block(r);
  r.expect_end("Message: bytes after the SecurityBlock");
  if (!r.ok()) return unexpected(*r.error());
  auto ext = check_extensions(m.contents, known_extensions);
  if (!ext) return unexpected(ext.error());
  return m;
}

Expected<void, WireError> check_extensions(const MessageContents& c,
                                           std::span<const std::uint16_t> known) {
  for (const MessageExtension& e : c.extensions) {
    if (e.critical && std::find(known.begin(), known.end(), e.type) == known.end()) {
      return unexpected(WireError{DecodeFailure::kUnknownCritical, 0,
                                  "MessageExtension: unknown critical extension",
                                  errc::kUnknownExtension});
    }
  }
  return {};
}

Bytes signature_input(std::uint32_t overlay, std::uint64_t transaction_id,
                      ByteView contents_bytes, ByteView signer_identity_bytes) {
  Bytes out;
  out.reserve(12 + contents_bytes.size() + signer_identity_bytes.size());
  append_u32(out, overlay);
  append_u64(out, transaction_id);
  out.insert(out.end(), contents_bytes.begin(), contents_bytes.end());
  out.insert(out.end(), signer_identity_bytes.begin(), signer_identity_bytes.end());
  return out;
}

Bytes signature_input(std::uint32_t overlay, std::uint64_t transaction_id,
                      const MessageContents& contents, const SignerIdentity& signer) {
  Writer c;
  encode(c, contents);
  Writer s;
  encode(s, signer);
  return signature_input(overlay, transaction_id, c.bytes(), s.bytes());
}

}  // namespace p2psip::wire
