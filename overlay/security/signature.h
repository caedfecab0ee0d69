#pragma once
// Signatures as RELOAD uses them (RFC 6940 §6.3.4, §7.1), under the algorithm policy of
// algorithms.h (the only place that says which algorithms are accepted).
// The message signature input (overlay || transaction_id || MessageContents ||
// SignerIdentity) is assembled by overlay/wire; here we sign and verify bytes.

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/security/algorithms.h"
#include "overlay/security/certificate.h"
#include "overlay/security/identity.h"
#include "overlay/security/keys.h"

namespace p2psip::security {

// The algorithm we sign with for a key of this type.
SignatureAndHash default_algorithm(KeyType type);

// Signs `data`. Fails when the algorithm is not accepted (algorithms.h) or does not match the key.
Expected<Bytes, std::string> sign(const PrivateKey& key, SignatureAndHash alg, ByteView data);

// Verifies `signature` over `data` with the certificate's public key. Fails (with the reason)
// when the signature is wrong, the algorithm is unsupported or does not match the key.
Expected<void, std::string> verify(const Certificate& cert, SignatureAndHash alg, ByteView data,
                                   ByteView signature);
// The same with a bare public key (for roots or keys from elsewhere).
Expected<void, std::string> verify_with_key(EVP_PKEY* public_key, SignatureAndHash alg,
                                            ByteView data, ByteView signature);

// H(certificate): SignerIdentity cert_hash (§6.3.4), over the DER certificate.
// Fails for a hash identity_hash_accepted() refuses.
Expected<Bytes, std::string> cert_hash(HashAlgorithm hash, ByteView cert_der);
// H(NodeId || certificate): SignerIdentity cert_hash_node_id (§6.3.4), the Node-ID as 16 raw
// bytes with no length or framing.
Expected<Bytes, std::string> cert_hash_node_id(HashAlgorithm hash, const NodeId& node_id,
                                               ByteView cert_der);

// The §7.1 stored-data signature input:
//   resource_id || kind (uint32, big-endian) || storage_time (uint64, big-endian) ||
//   StoredDataValue || SignerIdentity
// resource_id is the Resource-ID's bytes without a length prefix; the caller passes the
// already-encoded StoredDataValue and SignerIdentity.
Bytes stored_data_signature_input(ByteView resource_id, std::uint32_t kind,
                                  std::uint64_t storage_time, ByteView stored_data_value,
                                  ByteView signer_identity);

}  // namespace p2psip::security
