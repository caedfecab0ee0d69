#include "overlay/storage/signing.h"

namespace p2psip::storage {

wire::StoredData sign_stored_data(DataSigner& signer, const wire::ResourceId& resource,
                                  wire::KindId kind, wire::StoredData data) {
  data.signature = wire::Signature{};
  data.signature.identity = signer.identity();
  Bytes input = wire::stored_data_signature_input(resource, kind, data);
  data.signature = signer.sign(input);
  return data;
}

std::optional<SignerInfo> verify_stored_data(DataVerifier& verifier,
                                             const wire::ResourceId& resource,
                                             wire::KindId kind, const wire::StoredData& data) {
  Bytes input = wire::stored_data_signature_input(resource, kind, data);
  return verifier.verify(data.signature, input);
}

}  // namespace p2psip::storage
