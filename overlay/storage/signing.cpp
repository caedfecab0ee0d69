#include "overlay/storage/signing.h"

namespace p2psip::storage {

namespace {

// §7.4.2.2: "the index value in the array is set to zero before the signature is computed"
// (an append, index 0xffffffff, is stored under another index than the one signed).
Bytes signature_input(const wire::ResourceId& resource, wire::KindId kind,
                      const wire::StoredData& data) {
  if (const auto* a = std::get_if<wire::ArrayEntry>(&data.value); a && a->index != 0) {
    wire::StoredData zeroed = data;
    std::get<wire::ArrayEntry>(zeroed.value).index = 0;
    return wire::stored_data_signature_input(resource, kind, zeroed);
  }
  return wire::stored_data_signature_input(resource, kind, data);
}

}  // namespace

wire::StoredData sign_stored_data(DataSigner& signer, const wire::ResourceId& resource,
                                  wire::KindId kind, wire::StoredData data) {
  data.signature = wire::Signature{};
  data.signature.identity = signer.identity();
  Bytes input = signature_input(resource, kind, data);
  data.signature = signer.sign(input);
  return data;
}

std::optional<SignerInfo> verify_stored_data(DataVerifier& verifier,
                                             const wire::ResourceId& resource,
                                             wire::KindId kind, const wire::StoredData& data) {
  Bytes input = signature_input(resource, kind, data);
  return verifier.verify(data.signature, input);
}

}  // namespace p2psip::storage
