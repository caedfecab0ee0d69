#include "overlay/link/tls_session.h"

#include <openssl/err.h>

namespace p2psip::link {

Expected<TlsSession, std::string> TlsSession::create(SSL_CTX* ctx, TlsRole role) {
  security::SslPtr ssl(SSL_new(ctx));
  if (!ssl) return unexpected(security::openssl_error("cannot create TLS session"));
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    return unexpected(security::openssl_error("cannot create memory BIOs"));
  }
  BIO_set_mem_eof_return(in, -1);  // an empty input BIO means "want more", not EOF
  BIO_set_mem_eof_return(out, -1);
  SSL_set_bio(ssl.get(), in, out);  // ssl owns both from here
  if (role == TlsRole::kClient) {
    SSL_set_connect_state(ssl.get());
  } else {
    SSL_set_accept_state(ssl.get());
  }
  return TlsSession(std::move(ssl), in, out);
}

void TlsSession::feed(ByteView ciphertext) {
  if (ciphertext.empty()) return;
  // A memory BIO grows as needed; the write only fails on allocation failure.
  (void)BIO_write(in_, ciphertext.data(), static_cast<int>(ciphertext.size()));
}

TlsStatus TlsSession::failure(int rc, TlsFailure kind) {
  int err = SSL_get_error(ssl_.get(), rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return {};
  if (err == SSL_ERROR_ZERO_RETURN) {
    ERR_clear_error();
    return {TlsFailure::kClosed, "close_notify received"};
  }
  if (kind == TlsFailure::kHandshake && SSL_get_verify_result(ssl_.get()) != X509_V_OK) {
    std::string why = X509_verify_cert_error_string(SSL_get_verify_result(ssl_.get()));
    ERR_clear_error();
    return {TlsFailure::kBadCertificate, "peer certificate did not verify: " + why};
  }
  return {kind, security::openssl_error(kind == TlsFailure::kHandshake ? "TLS handshake failed"
                                                                       : "TLS error")};
}

TlsStatus TlsSession::handshake() {
  if (done_) return {};
  int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    done_ = true;
    return {};
  }
  return failure(rc, TlsFailure::kHandshake);
}

TlsStatus TlsSession::read(Bytes& out) {
  std::byte buffer[16 * 1024];
  for (;;) {
    int rc = SSL_read(ssl_.get(), buffer, static_cast<int>(sizeof buffer));
    if (rc <= 0) return failure(rc, TlsFailure::kProtocol);
    out.insert(out.end(), buffer, buffer + rc);
  }
}

TlsStatus TlsSession::write(ByteView plaintext) {
  if (plaintext.empty()) return {};
  // Memory BIOs never block, so SSL_write takes everything at once.
  int rc = SSL_write(ssl_.get(), plaintext.data(), static_cast<int>(plaintext.size()));
  if (rc <= 0) return failure(rc, TlsFailure::kProtocol);
  return {};
}

void TlsSession::shutdown() {
  if (done_) (void)SSL_shutdown(ssl_.get());
  ERR_clear_error();
}

Bytes TlsSession::take_output() {
  Bytes out(BIO_ctrl_pending(out_));
  if (out.empty()) return out;
  int n = BIO_read(out_, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

bool TlsSession::has_output() const { return BIO_ctrl_pending(out_) > 0; }

bool TlsSession::has_partial_input() const {
  return BIO_ctrl_pending(in_) > 0 || SSL_has_pending(ssl_.get()) == 1;
}

}  // namespace p2psip::link
