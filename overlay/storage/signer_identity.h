#pragma once
// SignerIdentity (RFC 6940 §6.3.4) and the certificate it names: "There are two permitted
// identity formats, one for a certificate with only one Node-ID and one for a certificate with
// multiple Node-IDs. In the first case, the cert_hash type MUST be used ... In the second case,
// the cert_hash_node_id type MUST be used ... H(NodeId || certificate)", the NodeId being the
// one used to sign. Both are accepted on input whatever the certificate holds.

#include <optional>

#include "overlay/security/certificate.h"
#include "overlay/wire/message.h"

namespace p2psip::storage {

// The identity a signer with `cert` puts in its signatures when it signs as `signing` (one of
// the certificate's Node-IDs): cert_hash (SHA-256) for a certificate with one Node-ID,
// cert_hash_node_id (SHA-256 over signing || DER) for one with several.
wire::SignerIdentity signer_identity(const security::Certificate& cert,
                                     const security::NodeId& signing);

// Does `id` (cert_hash or cert_hash_node_id, any accepted hash) name this certificate?
bool identity_names(const wire::SignerIdentity& id, const security::Certificate& cert);

// The Node-ID a cert_hash_node_id identity was computed over (the one that signed); nullopt
// for another type or when no Node-ID of the certificate gives the hash.
std::optional<security::NodeId> identity_node_id(const wire::SignerIdentity& id,
                                                 const security::Certificate& cert);

}  // namespace p2psip::storage
