#include <doctest/doctest.h>

#include "overlay/wire/message.h"
#include "tests/unit/overlay/wire/envelope_test_util.h"

using namespace p2psip;
using namespace p2psip::wire;
using namespace p2psip::wire::test;

namespace {

// sample_message() written out by hand, field by field (RFC 6940 §6.3.2-§6.3.4).
Bytes sample_bytes() {
  return cat({
      // ForwardingHeader
      B({0xd2, 0x45, 0x4c, 0x4f}),  // relo_token
      B({0x01, 0x02, 0x03, 0x04}),  // overlay
      B({0x00, 0x05}),              // configuration_sequence
      B({0x0a}),                    // version
      B({0x64}),                    // ttl 100
      B({0xc0, 0x00, 0x00, 0x00}),  // fragment: unfragmented
      B({0x00, 0x00, 0x00, 0x4d}),  // length = 77
      B({1, 2, 3, 4, 5, 6, 7, 8}),  // transaction_id
      B({0, 0, 0, 0}),              // max_response_length
      B({0x00, 0x00}),              // via_list_length
      B({0x00, 0x12}),              // destination_list_length = 18
      B({0x00, 0x00}),              // options_length
      B({0x01, 0x10}),              // Destination: node, length 16
      B({0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
         0x1e, 0x1f}),
      // MessageContents
      B({0x00, 0x17}),              // message_code ping_req
      B({0x00, 0x00, 0x00, 0x02}),  // message_body length
      B({0x00, 0x00}),              // PingReq.padding<0..2^16-1> empty
      B({0x00, 0x00, 0x00, 0x00}),  // extensions length
      // SecurityBlock
      B({0x00, 0x00}),              // certificates length
      B({0x04, 0x01}),              // SignatureAndHashAlgorithm sha256, rsa
      B({0x03, 0x00, 0x00}),        // SignerIdentity none(3), length 0
      B({0x00, 0x00}),              // signature_value empty
  });
}

Message signed_message() {
  Message m = sample_message();
  m.contents.extensions = {MessageExtension{0x0001, false, B({0xee})}};
  m.security.certificates = {GenericCertificate{CertificateType::kX509, B({0x30, 0x03, 1, 2, 3})}};
  m.security.signature.identity.type = SignerIdentityType::kCertHash;
  m.security.signature.identity.hash_alg = kHashSha256;
  m.security.signature.identity.hash = Bytes(32, std::byte{0x5a});
  m.security.signature.value = Bytes(256, std::byte{0xa5});
  return m;
}

}  // namespace

TEST_CASE("encode matches the hand-written bytes and decodes back") {
  Bytes expected = sample_bytes();
  REQUIRE(expected.size() == 77);
  auto enc = encode_message(sample_message());
  REQUIRE(enc.has_value());
  CHECK(to_hex(*enc) == to_hex(expected));
  auto dec = decode_message(expected, test_params());
  REQUIRE(dec.has_value());
  Message want = sample_message();
  want.header.length = 77;
  CHECK(*dec == want);
  CHECK(dec->contents.code() == MessageCode::kPingReq);
  CHECK(dec->contents.is_request());
}

TEST_CASE("round trip with certificates, cert_hash signer and an extension") {
  Message m = signed_message();
  auto enc = encode_message(m);
  REQUIRE(enc.has_value());
  auto dec = decode_message(*enc, test_params());
  REQUIRE(dec.has_value());
  m.header.length = static_cast<std::uint32_t>(enc->size());
  CHECK(*dec == m);
  auto again = encode_message(*dec);
  REQUIRE(again.has_value());
  CHECK(*again == *enc);
}

TEST_CASE("SignerIdentity cert_hash bytes by hand") {
  SignerIdentity s{SignerIdentityType::kCertHash, kHashSha256, B({0xaa, 0xbb})};
  Bytes expected = B({0x01,         // identity_type cert_hash
                      0x00, 0x04,   // length
                      0x04,         // hash_alg sha256
                      0x02,         // certificate_hash length
                      0xaa, 0xbb});
  CHECK(*encode_to_bytes(s) == expected);
  CHECK(*decode_whole<SignerIdentity>(expected, decode_signer_identity, "S") == s);
  // identity length larger than its value
  Bytes loose = B({0x01, 0x00, 0x05, 0x04, 0x02, 0xaa, 0xbb, 0x00});
  auto r = decode_whole<SignerIdentity>(loose, decode_signer_identity, "S");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == DecodeFailure::kTrailingBytes);
  // none(3) with a value, unknown type 0 and 4
  CHECK_FALSE(decode_whole<SignerIdentity>(B({0x03, 0x00, 0x01, 0x00}), decode_signer_identity,
                                           "S"));
  CHECK_FALSE(decode_whole<SignerIdentity>(B({0x00, 0x00, 0x00}), decode_signer_identity, "S"));
  CHECK_FALSE(decode_whole<SignerIdentity>(B({0x04, 0x00, 0x00}), decode_signer_identity, "S"));
}

TEST_CASE("signature input is overlay || transaction_id || contents || signer identity") {
  Message m = sample_message();
  SignerIdentity s{SignerIdentityType::kCertHashNodeId, kHashSha256, B({0x01})};
  Bytes in = signature_input(kTestOverlay, m.header.transaction_id, m.contents, s);
  Bytes expected = cat({B({0x01, 0x02, 0x03, 0x04}),              // overlay
                        B({1, 2, 3, 4, 5, 6, 7, 8}),              // transaction_id
                        B({0x00, 0x17, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0}),  // MessageContents
                        B({0x02, 0x00, 0x03, 0x04, 0x01, 0x01})});  // SignerIdentity
  CHECK(in == expected);
}

TEST_CASE("truncated at every byte is refused") {
  Bytes full = *encode_message(signed_message());
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = decode_message(ByteView(full).first(n), test_params());
    REQUIRE_FALSE(r.has_value());
  }
}

TEST_CASE("truncated with the length field fixed up is refused as truncated") {
  Bytes full = *encode_message(signed_message());
  for (std::size_t n = kForwardingHeaderFixedLength + 18; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    cut[16] = std::byte(n >> 24);
    cut[17] = std::byte((n >> 16) & 0xff);
    cut[18] = std::byte((n >> 8) & 0xff);
    cut[19] = std::byte(n & 0xff);
    auto r = decode_message(cut, test_params());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == DecodeFailure::kTruncated);
  }
}

TEST_CASE("trailing bytes after the security block are refused") {
  Bytes b = sample_bytes();
  b.push_back(std::byte{0});
  b[19] = std::byte{0x4e};  // length 78 so only the trailing rule can catch it
  auto r = decode_message(b, test_params());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == DecodeFailure::kTrailingBytes);
}

TEST_CASE("inner lengths larger than present are refused") {
  SUBCASE("message_body length") {
    Bytes b = sample_bytes();
    b[59] = std::byte{0x40};  // body length 2 -> 64
    auto r = decode_message(b, test_params());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == DecodeFailure::kTruncated);
  }
  SUBCASE("extensions length") {
    Bytes b = sample_bytes();
    b[66] = std::byte{0x01};  // extensions length (64..67) 0 -> 256
    CHECK_FALSE(decode_message(b, test_params()).has_value());
  }
  SUBCASE("certificates length") {
    Bytes b = sample_bytes();
    b[69] = std::byte{0x01};  // certificates length (68..69) 0 -> 1
    CHECK_FALSE(decode_message(b, test_params()).has_value());
  }
  SUBCASE("signature_value length") {
    Bytes b = sample_bytes();
    b[76] = std::byte{0x01};  // signature_value length (75..76) 0 -> 1
    CHECK_FALSE(decode_message(b, test_params()).has_value());
  }
}

TEST_CASE("message codes 0 and 0x8000..0xfffe are invalid, 0xffff is error") {
  Bytes b = sample_bytes();
  b[56] = std::byte{0};
  b[57] = std::byte{0};
  CHECK_FALSE(decode_message(b, test_params()).has_value());
  b[56] = std::byte{0x80};
  CHECK_FALSE(decode_message(b, test_params()).has_value());
  b[56] = std::byte{0xff};
  b[57] = std::byte{0xff};
  auto e = decode_message(b, test_params());
  REQUIRE(e.has_value());
  CHECK(e->contents.is_error());
  CHECK_FALSE(e->contents.is_request());
}

TEST_CASE("over max size: encode and decode both refuse") {
  Message m = sample_message();
  m.contents.message_body = Bytes(6000, std::byte{1});
  auto enc = encode_message(m);
  REQUIRE_FALSE(enc.has_value());
  CHECK(enc.error().reload_code == errc::kMessageTooLarge);
  auto big = encode_message(m, 10000);
  REQUIRE(big.has_value());
  auto dec = decode_message(*big, test_params());
  REQUIRE_FALSE(dec.has_value());
  CHECK(dec.error().reload_code == errc::kMessageTooLarge);
  DecodeParams p = test_params();
  p.max_message_size = 10000;
  CHECK(decode_message(*big, p).has_value());
}

TEST_CASE("unknown critical extension is Error_Unknown_Extension") {
  Message m = sample_message();
  m.contents.extensions = {MessageExtension{0x4242, true, {}}};
  Bytes b = *encode_message(m);
  auto r = decode_message(b, test_params());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == DecodeFailure::kUnknownCritical);
  CHECK(r.error().reload_code == errc::kUnknownExtension);
  const std::uint16_t known[] = {0x4242};
  CHECK(decode_message(b, test_params(), known).has_value());
  m.contents.extensions[0].critical = false;
  CHECK(decode_message(*encode_message(m), test_params()).has_value());
}

TEST_CASE("extension critical flag must be a Boolean") {
  Message m = sample_message();
  m.contents.extensions = {MessageExtension{0x0001, true, {}}};
  Bytes b = *encode_message(m);
  b[70] = std::byte{2};  // code 56, body len 58, body 62, ext len 64, ext type 68, critical 70
  auto r = decode_message(b, test_params());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == DecodeFailure::kBadValue);
}

TEST_CASE("a fragment is not decoded as a whole message") {
  Bytes b = sample_bytes();
  b[12] = std::byte{0x80};  // high bit only: not the last fragment
  auto r = decode_message(b, test_params());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == DecodeFailure::kBadValue);
}

TEST_CASE("too many extensions or certificates are refused") {
  Message m = sample_message();
  m.contents.extensions.resize(kMaxMessageExtensions + 1);
  CHECK_FALSE(encode_message(m, 100000).has_value());
  Message c = sample_message();
  c.security.certificates.resize(kMaxCertificates + 1);
  CHECK_FALSE(encode_message(c, 100000).has_value());
}
