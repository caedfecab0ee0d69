#include "overlay/security/signature.h"

#include <openssl/err.h>

#include <climits>

namespace p2psip::security {

namespace {

const EVP_MD* digest_for(HashAlgorithm hash) {
  switch (hash) {
    case HashAlgorithm::sha1: return EVP_sha1();
    case HashAlgorithm::sha224: return EVP_sha224();
    case HashAlgorithm::sha256: return EVP_sha256();
    case HashAlgorithm::sha384: return EVP_sha384();
    case HashAlgorithm::sha512: return EVP_sha512();
    default: return nullptr;
  }
}

// The digest of a SignerIdentity hash, nullptr for one the policy refuses.
const EVP_MD* identity_digest(HashAlgorithm hash) {
  return identity_hash_accepted(hash) ? digest_for(hash) : nullptr;
}

std::string alg_text(SignatureAndHash alg) {
  return "SignatureAndHashAlgorithm {hash " + std::to_string(static_cast<int>(alg.hash)) +
         ", signature " + std::to_string(static_cast<int>(alg.signature)) + "}";
}

// An accepted algorithm (algorithms.h) with the matching key type.
Expected<void, std::string> check_algorithm(SignatureAndHash alg, EVP_PKEY* key) {
  if (!signature_algorithm_accepted(alg)) {
    return unexpected("unsupported " + alg_text(alg));
  }
  auto type = classify_key(key);
  if (!type) return unexpected(type.error());
  bool matches = (*type == KeyType::rsa2048) == (alg.signature == SignatureAlgorithm::rsa);
  if (!matches) return unexpected(alg_text(alg) + " does not match the " +
                                  std::string(key_type_name(*type)) + " key");
  return {};
}

void append_be(Bytes& out, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}

}  // namespace

SignatureAndHash default_algorithm(KeyType type) {
  return type == KeyType::rsa2048 ? kRsaSha256 : kEcdsaSha256;
}

Expected<Bytes, std::string> sign(const PrivateKey& key, SignatureAndHash alg, ByteView data) {
  auto ok = check_algorithm(alg, key.get());
  if (!ok) return unexpected(ok.error());
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  // EVP_PKEY's RSA default padding is PKCS#1 v1.5, which is what rsa(1) means.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(alg.hash), nullptr, key.get()) != 1) {
    return unexpected(openssl_error("cannot start signing"));
  }
  std::size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
    return unexpected(openssl_error("cannot size signature"));
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     data.size()) != 1) {
    return unexpected(openssl_error("signing failed"));
  }
  sig.resize(len);
  return sig;
}

Expected<void, std::string> verify_with_key(EVP_PKEY* public_key, SignatureAndHash alg,
                                            ByteView data, ByteView signature) {
  auto ok = check_algorithm(alg, public_key);
  if (!ok) return ok;
  if (signature.empty() || signature.size() > 1024) {
    return unexpected(std::string("signature has an implausible length"));
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(alg.hash), nullptr, public_key) != 1) {
    return unexpected(openssl_error("cannot start verification"));
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  if (rc != 1) {
    ERR_clear_error();
    return unexpected(std::string("signature does not verify"));
  }
  return {};
}

Expected<void, std::string> verify(const Certificate& cert, SignatureAndHash alg, ByteView data,
                                   ByteView signature) {
  return verify_with_key(cert.public_key(), alg, data, signature);
}

Expected<Bytes, std::string> cert_hash_node_id(HashAlgorithm hash, const NodeId& node_id,
                                               ByteView cert_der) {
  const EVP_MD* md = identity_digest(hash);
  if (md == nullptr) {
    return unexpected("unsupported HashAlgorithm " + std::to_string(static_cast<int>(hash)));
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), node_id.data(), node_id.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), cert_der.data(), cert_der.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1) {
    return unexpected(openssl_error("hashing failed"));
  }
  out.resize(len);
  return out;
}

Expected<Bytes, std::string> cert_hash(HashAlgorithm hash, ByteView cert_der) {
  const EVP_MD* md = identity_digest(hash);
  if (md == nullptr) {
    return unexpected("unsupported HashAlgorithm " + std::to_string(static_cast<int>(hash)));
  }
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(cert_der.data(), cert_der.size(), reinterpret_cast<unsigned char*>(out.data()),
                 &len, md, nullptr) != 1) {
    return unexpected(openssl_error("hashing failed"));
  }
  out.resize(len);
  return out;
}

Bytes stored_data_signature_input(ByteView resource_id, std::uint32_t kind,
                                  std::uint64_t storage_time, ByteView stored_data_value,
                                  ByteView signer_identity) {
  Bytes out;
  out.reserve(resource_id.size() + 12 + stored_data_value.size() + signer_identity.size());
  out.insert(out.end(), resource_id.begin(), resource_id.end());
  append_be(out, kind, 4);
  append_be(out, storage_time, 8);
  out.insert(out.end(), stored_data_value.begin(), stored_data_value.end());
  out.insert(out.end(), signer_identity.begin(), signer_identity.end());
  return out;
}

}  // namespace p2psip::security
