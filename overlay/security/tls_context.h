#pragma once
// The TLS context the link layer (TLS-TCP-FH-NO-ICE) uses: TLS 1.2 or later, mutual
// authentication required (a peer without a certificate fails the handshake), peer chains
// verified against the overlay root(s) with strict X.509 checks, our certificate and key
// installed. When SSLKEYLOGFILE is set in the environment the session secrets are appended
// to that file in NSS key log format (keylog.h, the one key-log hook).
// The RELOAD checks on the peer certificate (Node-ID, user) are made after the handshake
// with peer_certificate().

#include <span>
#include <string>

#include "common/expected.h"
#include "overlay/security/certificate.h"
#include "overlay/security/handles.h"
#include "overlay/security/keys.h"

namespace p2psip::security {

using SslPtr = CHandle<SSL, SSL_free>;

Expected<SslCtxPtr, std::string> make_tls_context(const Certificate& cert, const PrivateKey& key,
                                                  std::span<const RootCertificate> roots);
Expected<SslCtxPtr, std::string> make_tls_context(const Certificate& cert, const PrivateKey& key,
                                                  const RootCertificate& root);

// The peer's certificate after a completed handshake, parsed as a RELOAD certificate of
// `overlay`.
Expected<Certificate, std::string> peer_certificate(const SSL* ssl, std::string_view overlay);

}  // namespace p2psip::security
