#include "overlay/storage/signature_memo.h"

#include "overlay/security/signature.h"

namespace p2psip::storage {

namespace {

void append(std::string& out, ByteView bytes) {
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// algorithm | identity type | identity hash | signature value | SHA-256(input), each
// variable-length part prefixed by its length so no two different tuples share a key.
std::optional<std::string> memo_key(const wire::Signature& s, ByteView input) {
  auto digest = security::cert_hash(security::HashAlgorithm::sha256, input);
  if (!digest) return std::nullopt;
  std::string key;
  key.push_back(static_cast<char>(s.algorithm.hash));
  key.push_back(static_cast<char>(s.algorithm.signature));
  key.push_back(static_cast<char>(s.identity.type));
  key.push_back(static_cast<char>(s.identity.hash_alg));
  for (ByteView part : {ByteView(s.identity.hash), ByteView(s.value)}) {
    auto n = static_cast<std::uint32_t>(part.size());
    key.append(reinterpret_cast<const char*>(&n), sizeof n);
    append(key, part);
  }
  append(key, *digest);
  return key;
}

}  // namespace

std::optional<SignerInfo> MemoizingVerifier::verify(const wire::Signature& signature,
                                                    ByteView input) {
  // The signer's certificate must be trusted by this verifier now, memo or not.
  if (!inner_->certificate_for(signature.identity)) return std::nullopt;
  auto key = memo_key(signature, input);
  if (!key) return inner_->verify(signature, input);
  if (auto known = memo_->find(*key, now_)) return known;
  auto result = inner_->verify(signature, input);
  if (result) memo_->remember(std::move(*key), *result, now_);
  return result;
}

}  // namespace p2psip::storage
