#pragma once
// Signatures inside the configuration document (RFC 6940 §11.1): the bytes of a signed element,
// "from the first < ... up to and including the >" of its end tag, taken as a binary blob and
// signed "using the standard SecurityBlock defined in Section 6.3.4"; the SecurityBlock goes
// base64-encoded (RFC 4648 alphabet) into the element that follows (signature, kind-signature).
//
// The SecurityBlock carries the signer's certificate and a Signature whose SignerIdentity is
// cert_hash (SHA-256 of the certificate DER). What exactly the signature_value covers is not
// spelled out for configurations (§6.3.4 defines the input for messages only). We sign the blob
// alone; a verifier accepts either the blob alone or the blob followed by the encoded
// SignerIdentity (the §6.3.4/§7.1 pattern of appending the identity), so both readings work.

#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/security/certificate.h"
#include "overlay/security/keys.h"

namespace p2psip::enroll {

// RFC 4648 base64 with padding, no line breaks.
std::string base64_encode(ByteView data);
// Ignores XML whitespace (space, tab, CR, LF); anything else outside the alphabet, bad padding
// or a length that is not a multiple of four (after whitespace) is an error.
Expected<Bytes, std::string> base64_decode(std::string_view text);

// The base64 SecurityBlock for `blob`, signed with `key` and carrying `cert`.
Expected<std::string, std::string> sign_blob(std::string_view blob, const security::Certificate& cert,
                                             const security::PrivateKey& key);

// Checks a base64 SecurityBlock over `blob`: its first X.509 certificate parses as a RELOAD
// certificate of `overlay`, chains to one of `roots` at `now`, holds one of `allowed_signers`
// (Node-IDs), matches the SignerIdentity's cert_hash, and its key verifies the signature.
// Returns the signer's certificate.
Expected<security::Certificate, std::string> verify_blob(
    std::string_view blob, std::string_view signature_base64, std::string_view overlay,
    const std::vector<security::RootCertificate>& roots,
    const std::vector<security::NodeId>& allowed_signers, security::SysSeconds now);

}  // namespace p2psip::enroll
