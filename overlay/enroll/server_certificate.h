#pragma once
// The enrollment server's own HTTPS certificate, issued by the overlay CA at start when none is
// given. RFC 6940 §11.3: "The server certificate MUST match the overlay name as described in
// [RFC2818]": subjectAltName dNSName = the overlay name, plus an iPAddress entry for the listen
// address so that clients reaching it by address can check it too. serverAuth only, CA:FALSE,
// empty subject but for CN = the overlay name. The key is made here and never written out.

#include <string>

#include "common/expected.h"
#include "overlay/security/ca.h"
#include "overlay/security/handles.h"

namespace p2psip::enroll {

struct ServerCredentials {
  security::X509Ptr cert;
  security::PrivateKey key;
};

// `ip`: the listen address as text ("127.0.0.1", "::1"); "" or a wildcard adds no IP entry.
Expected<ServerCredentials, std::string> issue_server_certificate(
    const security::CertificateAuthority& ca, const std::string& ip, int days, security::SysSeconds now);

// An SSL_CTX for serving HTTPS (TLS 1.2+) with this certificate, its CA chain and key.
Expected<security::SslCtxPtr, std::string> make_server_tls_context(X509* cert, EVP_PKEY* key, X509* chain);

}  // namespace p2psip::enroll
