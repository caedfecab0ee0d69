#include "overlay/security/tls_context.h"

#include <string>

#include "overlay/security/keylog.h"

namespace p2psip::security {

Expected<SslCtxPtr, std::string> make_tls_context(const Certificate& cert, const PrivateKey& key,
                                                  const RootCertificate& root) {
  return make_tls_context(cert, key, std::span<const RootCertificate>(&root, 1));
}

Expected<SslCtxPtr, std::string> make_tls_context(const Certificate& cert, const PrivateKey& key,
                                                  std::span<const RootCertificate> roots) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_method()));
  if (!ctx) return unexpected(openssl_error("cannot create TLS context"));
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    return unexpected(openssl_error("cannot require TLS 1.2"));
  }
  if (SSL_CTX_use_certificate(ctx.get(), cert.x509()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return unexpected(openssl_error("certificate and key do not go together"));
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
  for (const RootCertificate& root : roots) {
    if (X509_STORE_add_cert(store, root.x509()) != 1) {
      return unexpected(openssl_error("cannot add root certificate"));
    }
  }
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx.get()),
                              X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  set_keylog_file(ctx.get(), keylog_file_from_environment());
  return ctx;
}

Expected<Certificate, std::string> peer_certificate(const SSL* ssl, std::string_view overlay) {
  X509Ptr peer(SSL_get1_peer_certificate(ssl));
  if (!peer) return unexpected(std::string("peer sent no certificate"));
  if (SSL_get_verify_result(ssl) != X509_V_OK) {
    return unexpected(std::string("peer certificate did not verify: ") +
                      X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
  }
  int len = i2d_X509(peer.get(), nullptr);
  if (len <= 0) return unexpected(openssl_error("cannot encode peer certificate"));
  Bytes der(static_cast<std::size_t>(len));
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(peer.get(), &out);
  return Certificate::from_der(der, overlay);
}

}  // namespace p2psip::security
