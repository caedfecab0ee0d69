#pragma once
// The one signature-algorithm policy of the overlay (RFC 6940 §6.3.4, §7.1; DESIGN.md §10):
// which SignatureAndHashAlgorithm a signature may use and which hash a SignerIdentity may name.
// Message signatures (peer/node_signer.cpp), stored-data signatures (storage/cert_verifier.cpp)
// and sign()/verify() (signature.cpp) all ask these functions; nothing else decides it, so the
// two verifiers cannot drift apart.
//
// Numbers are those of the IANA TLS SignatureAlgorithm and HashAlgorithm registries, as on
// the wire (SignatureAndHashAlgorithm: hash first, then signature). Accepted signatures:
//   rsa(1)   + sha256(4): RSASSA-PKCS1-v1_5 with SHA-256, mandatory to implement.
//   ecdsa(3) + sha256(4): ECDSA on P-256 with SHA-256; the signature is the DER
//                         ECDSA-Sig-Value, as in TLS.
// Everything else (md5, sha1, dsa, anonymous, other hashes with rsa or ecdsa) is refused.

#include <array>
#include <cstdint>
#include <optional>

namespace p2psip::security {

enum class HashAlgorithm : std::uint8_t {
  none = 0, md5 = 1, sha1 = 2, sha224 = 3, sha256 = 4, sha384 = 5, sha512 = 6,
};

enum class SignatureAlgorithm : std::uint8_t { anonymous = 0, rsa = 1, dsa = 2, ecdsa = 3 };

struct SignatureAndHash {
  HashAlgorithm hash;
  SignatureAlgorithm signature;
  friend bool operator==(const SignatureAndHash&, const SignatureAndHash&) = default;
};

inline constexpr SignatureAndHash kRsaSha256{HashAlgorithm::sha256, SignatureAlgorithm::rsa};
inline constexpr SignatureAndHash kEcdsaSha256{HashAlgorithm::sha256, SignatureAlgorithm::ecdsa};

// The whitelist: the only algorithms a signature may be made or checked with.
inline constexpr std::array<SignatureAndHash, 2> kAcceptedSignatureAlgorithms{kRsaSha256,
                                                                             kEcdsaSha256};

constexpr bool signature_algorithm_accepted(SignatureAndHash alg) {
  for (const SignatureAndHash& a : kAcceptedSignatureAlgorithms) {
    if (a == alg) return true;
  }
  return false;
}

// The algorithm a signature names on the wire (hash, signature), or nullopt when the
// whitelist refuses it.
constexpr std::optional<SignatureAndHash> accepted_signature_algorithm(std::uint8_t hash,
                                                                       std::uint8_t signature) {
  SignatureAndHash alg{static_cast<HashAlgorithm>(hash), static_cast<SignatureAlgorithm>(signature)};
  if (!signature_algorithm_accepted(alg)) return std::nullopt;
  return alg;
}

// Hashes a SignerIdentity (cert_hash, cert_hash_node_id, §6.3.4) may name: it only finds the
// signer's certificate, whose signature is then checked under the whitelist above.
constexpr bool identity_hash_accepted(HashAlgorithm hash) {
  return hash == HashAlgorithm::sha1 || hash == HashAlgorithm::sha224 ||
         hash == HashAlgorithm::sha256 || hash == HashAlgorithm::sha384 ||
         hash == HashAlgorithm::sha512;
}

}  // namespace p2psip::security
