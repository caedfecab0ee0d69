#pragma once
// DER X.509 certificates decoded without OpenSSL 3.0's per-call public-key decoder set-up.
//
// Why: d2i_X509 decodes the certificate's SubjectPublicKeyInfo through
// OSSL_DECODER_CTX_new_for_pkey, which in OpenSSL 3.0 (Debian 12) enumerates every decoder and
// key manager of every loaded provider on each call: ~110 of the ~150 us a P-256 certificate
// takes to parse here (bench/RESULTS-security.md). A gateway routing to many callees parses one
// certificate per AoR and minute, so this was 14% of a 10,000-callee site's CPU.
//
// How: the certificate is decoded in a library context of its own whose only provider forwards
// to the process's "default" provider, offering just the EC and RSA key managers and their
// DER SubjectPublicKeyInfo decoders (and no encoders or stores); digests, signatures and every
// other operation are the default provider's own. The X509 is OpenSSL's, verified by
// X509_verify_cert as before: only the decoder search is shorter. Anything that context cannot
// decode (another key type) is decoded again the ordinary way, so what is accepted or refused
// does not change.

#include <cstdint>

#include "common/bytes.h"
#include "overlay/security/handles.h"

namespace p2psip::security {

// The certificate in `der` (which must be exactly one DER certificate: *consumed says how many
// bytes it took), or null when it is not one. Thread-safe.
X509Ptr decode_x509(ByteView der, std::size_t* consumed);

// How many decode_x509 calls took the short way and how many the ordinary one, since start.
struct X509DecodeCounts {
  std::uint64_t fast = 0;
  std::uint64_t ordinary = 0;
};
X509DecodeCounts x509_decode_counts();

}  // namespace p2psip::security
