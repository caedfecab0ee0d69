#include "overlay/enroll/xml_signature.h"

#include <openssl/evp.h>

#include <algorithm>

#include "overlay/security/signature.h"
#include "overlay/wire/message.h"
#include "overlay/wire/reader.h"
#include "overlay/wire/writer.h"

namespace p2psip::enroll {

namespace {

namespace sec = p2psip::security;

constexpr std::size_t kMaxSignatureText = 64 * 1024;

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Bytes encode_identity(const wire::SignerIdentity& id) {
  wire::Writer w;
  wire::encode(w, id);
  return std::move(w).take();
}

}  // namespace

std::string base64_encode(ByteView data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  return out;
}

Expected<Bytes, std::string> base64_decode(std::string_view text) {
  if (text.size() > kMaxSignatureText * 4) return unexpected(std::string("base64 text too long"));
  std::string compact;
  for (char c : text) {
    if (!is_xml_space(c)) compact.push_back(c);
  }
  if (compact.size() % 4 != 0) return unexpected(std::string("base64 length is not a multiple of 4"));
  Bytes out(compact.size() / 4 * 3);
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(compact.data()),
                          static_cast<int>(compact.size()));
  if (n < 0) return unexpected(std::string("not base64"));
  // EVP_DecodeBlock counts padding as zero bytes; '=' may only end the text.
  std::size_t pad = 0;
  while (pad < 2 && pad < compact.size() && compact[compact.size() - 1 - pad] == '=') ++pad;
  if (compact.find('=') < compact.size() - pad) return unexpected(std::string("misplaced '=' in base64"));
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

Expected<std::string, std::string> sign_blob(std::string_view blob, const sec::Certificate& cert,
                                             const sec::PrivateKey& key) {
  sec::SignatureAndHash alg = sec::default_algorithm(key.type());
  auto hash = sec::cert_hash(sec::HashAlgorithm::sha256, cert.der());
  if (!hash) return unexpected(hash.error());
  auto value = sec::sign(key, alg, as_bytes(blob));
  if (!value) return unexpected(value.error());
  wire::SecurityBlock block;
  block.certificates.push_back(
      {wire::CertificateType::kX509, Bytes(cert.der().begin(), cert.der().end())});
  block.signature.algorithm = {static_cast<std::uint8_t>(alg.hash),
                               static_cast<std::uint8_t>(alg.signature)};
  block.signature.identity = {wire::SignerIdentityType::kCertHash, wire::kHashSha256, *hash};
  block.signature.value = std::move(value).value();
  wire::Writer w;
  wire::encode(w, block);
  if (!w.ok()) return unexpected(std::string("SecurityBlock too large"));
  return base64_encode(w.bytes());
}

Expected<sec::Certificate, std::string> verify_blob(
    std::string_view blob, std::string_view signature_base64, std::string_view overlay,
    const std::vector<sec::RootCertificate>& roots, const std::vector<sec::NodeId>& allowed_signers,
    sec::SysSeconds now) {
  auto raw = base64_decode(signature_base64);
  if (!raw) return unexpected("signature: " + raw.error());
  wire::Reader r(*raw);
  wire::SecurityBlock block = wire::decode_security_block(r);
  r.expect_end("SecurityBlock");
  if (!r.ok()) return unexpected(std::string("signature: not a SecurityBlock"));
  auto it = std::find_if(block.certificates.begin(), block.certificates.end(),
                         [](const auto& c) { return c.type == wire::CertificateType::kX509; });
  if (it == block.certificates.end()) return unexpected(std::string("signature: no X.509 certificate"));
  auto cert = sec::Certificate::from_der(it->certificate, overlay);
  if (!cert) return unexpected("signer certificate: " + cert.error());
  auto chain = cert->verify_chain(roots, now);
  if (!chain) return unexpected("signer certificate: " + chain.error());
  bool allowed = std::any_of(allowed_signers.begin(), allowed_signers.end(),
                             [&](const sec::NodeId& id) { return cert->has_node_id(id); });
  if (!allowed) return unexpected(std::string("signer is not a configuration-signer/kind-signer"));
  const wire::Signature& sig = block.signature;
  if (sig.identity.type != wire::SignerIdentityType::kCertHash) {
    return unexpected(std::string("signature: SignerIdentity is not cert_hash"));
  }
  auto hash = sec::cert_hash(static_cast<sec::HashAlgorithm>(sig.identity.hash_alg), cert->der());
  if (!hash || *hash != sig.identity.hash) {
    return unexpected(std::string("signature: cert_hash does not match the certificate"));
  }
  sec::SignatureAndHash alg{static_cast<sec::HashAlgorithm>(sig.algorithm.hash),
                            static_cast<sec::SignatureAlgorithm>(sig.algorithm.signature)};
  auto plain = sec::verify(*cert, alg, as_bytes(blob), sig.value);
  if (plain) return std::move(cert).value();
  Bytes with_identity = to_bytes(blob);
  Bytes id = encode_identity(sig.identity);
  with_identity.insert(with_identity.end(), id.begin(), id.end());
  auto appended = sec::verify(*cert, alg, with_identity, sig.value);
  if (!appended) return unexpected("signature does not verify: " + plain.error());
  return std::move(cert).value();
}

}  // namespace p2psip::enroll
