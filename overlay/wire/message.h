#pragma once
// A whole RELOAD message (RFC 6940 §6.3): ForwardingHeader + MessageContents (§6.3.3) +
// SecurityBlock (§6.3.4). The message_body stays opaque here; the bodies (bodies*.h) decode
// it by message_code.
//
// decode_message() checks, in order: header structure (relo_token, version), then
// length == bytes present, size <= max_message_size, overlay hash, TTL, critical options
// (if DecodeParams.option_role), not a fragment, then contents and security block, no
// trailing bytes, and finally unknown critical extensions (Error_Unknown_Extension).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/errors.h"
#include "overlay/wire/forwarding_header.h"
#include "overlay/wire/message_codes.h"
#include "overlay/wire/reader.h"
#include "overlay/wire/writer.h"

namespace p2psip::wire {

inline constexpr std::size_t kMaxMessageExtensions = 16;
inline constexpr std::size_t kMaxCertificates = 16;
inline constexpr std::size_t kMaxCertificateLength = 0xffff;
inline constexpr std::size_t kMaxSignatureLength = 0xffff;
inline constexpr std::size_t kMaxSignerHashLength = 255;

struct MessageExtension {
  std::uint16_t type = 0;  // MessageExtensionType; 1 = exp-ext
  bool critical = false;
  Bytes contents;          // extension_contents<0..2^32-1>
  friend bool operator==(const MessageExtension&, const MessageExtension&) = default;
};

struct MessageContents {
  std::uint16_t message_code = 0;  // raw: unassigned codes still decode
  Bytes message_body;
  std::vector<MessageExtension> extensions;

  MessageCode code() const { return static_cast<MessageCode>(message_code); }
  bool is_request() const { return message_code != 0xffff && (message_code & 1) == 1; }
  bool is_error() const { return message_code == 0xffff; }
  friend bool operator==(const MessageContents&, const MessageContents&) = default;
};

// CertificateType from RFC 6091.
enum class CertificateType : std::uint8_t { kX509 = 0, kOpenPgp = 1 };

struct GenericCertificate {
  CertificateType type = CertificateType::kX509;
  Bytes certificate;  // DER for X.509
  friend bool operator==(const GenericCertificate&, const GenericCertificate&) = default;
};

enum class SignerIdentityType : std::uint8_t { kCertHash = 1, kCertHashNodeId = 2, kNone = 3 };

// TLS HashAlgorithm / SignatureAlgorithm values (RFC 5246 §7.4.1.4.1).
inline constexpr std::uint8_t kHashNone = 0;
inline constexpr std::uint8_t kHashSha1 = 2;
inline constexpr std::uint8_t kHashSha256 = 4;
inline constexpr std::uint8_t kSignatureAnonymous = 0;
inline constexpr std::uint8_t kSignatureRsa = 1;

struct SignerIdentity {
  SignerIdentityType type = SignerIdentityType::kNone;
  std::uint8_t hash_alg = kHashNone;  // cert_hash and cert_hash_node_id only
  Bytes hash;                         // certificate_hash / certificate_node_id_hash
  friend bool operator==(const SignerIdentity&, const SignerIdentity&) = default;
};

struct SignatureAndHashAlgorithm {
  std::uint8_t hash = kHashSha256;
  std::uint8_t signature = kSignatureRsa;
  friend bool operator==(const SignatureAndHashAlgorithm&,
                         const SignatureAndHashAlgorithm&) = default;
};

struct Signature {
  SignatureAndHashAlgorithm algorithm;
  SignerIdentity identity;
  Bytes value;  // signature_value<0..2^16-1>
  friend bool operator==(const Signature&, const Signature&) = default;
};

struct SecurityBlock {
  std::vector<GenericCertificate> certificates;  // certificates<0..2^16-1> (bytes)
  Signature signature;
  friend bool operator==(const SecurityBlock&, const SecurityBlock&) = default;
};

struct Message {
  ForwardingHeader header;
  MessageContents contents;
  SecurityBlock security;
  friend bool operator==(const Message&, const Message&) = default;
};

// ---- codec pieces (the convention of ids.h) ----
void encode(Writer& w, const MessageExtension& v);
void encode(Writer& w, const MessageContents& v);
void encode(Writer& w, const GenericCertificate& v);
void encode(Writer& w, const SignerIdentity& v);
void encode(Writer& w, const Signature& v);
void encode(Writer& w, const SecurityBlock& v);
MessageExtension decode_message_extension(Reader& r);
MessageContents decode_message_contents(Reader& r);
GenericCertificate decode_generic_certificate(Reader& r);
SignerIdentity decode_signer_identity(Reader& r);
Signature decode_signature(Reader& r);
SecurityBlock decode_security_block(Reader& r);

// ---- whole messages ----
// Encodes with ForwardingHeader.length patched to the real size. Fails (kTooLarge,
// Error_Message_Too_Large) above `max_message_size` or if any length field overflows.
Expected<Bytes, WireError> encode_message(const Message& m,
                                          std::size_t max_message_size = kDefaultMaxMessageSize);
// `known_extensions`: MessageExtensionTypes this node understands (none by default).
Expected<Message, WireError> decode_message(ByteView bytes, const DecodeParams& params,
                                            std::span<const std::uint16_t> known_extensions = {});
// A critical extension not in `known` is Error_Unknown_Extension.
Expected<void, WireError> check_extensions(const MessageContents& c,
                                           std::span<const std::uint16_t> known);

// The bytes a message signature covers (§6.3.4):
//   overlay(4) || transaction_id(8) || MessageContents || SignerIdentity
Bytes signature_input(std::uint32_t overlay, std::uint64_t transaction_id,
                      const MessageContents& contents, const SignerIdentity& signer);
Bytes signature_input(std::uint32_t overlay, std::uint64_t transaction_id,
                      ByteView contents_bytes, ByteView signer_identity_bytes);

}  // namespace p2psip::wire
