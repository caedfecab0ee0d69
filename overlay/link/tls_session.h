#pragma once
// One TLS endpoint over memory BIOs: ciphertext from the socket goes in with feed(),
// ciphertext for the socket comes out of take_output(). No sockets, no blocking; the
// connection moves the bytes.

#include <string>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/security/tls_context.h"

namespace p2psip::link {

enum class TlsRole { kClient, kServer };

// Outcome of a step that may fail; kBadCertificate when the peer's chain failed
// verification on our side.
enum class TlsFailure { kNone, kHandshake, kBadCertificate, kProtocol, kClosed };

struct TlsStatus {
  TlsFailure failure = TlsFailure::kNone;
  std::string detail;
  bool ok() const { return failure == TlsFailure::kNone; }
};

class TlsSession {
 public:
  static Expected<TlsSession, std::string> create(SSL_CTX* ctx, TlsRole role);

  // Ciphertext received from the peer.
  void feed(ByteView ciphertext);
  // Drives the handshake; handshake_done() tells whether it has finished.
  TlsStatus handshake();
  bool handshake_done() const { return done_; }
  // Appends every plaintext byte available to `out`. kClosed on close_notify.
  TlsStatus read(Bytes& out);
  // Encrypts plaintext (after the handshake); the records wait in take_output().
  TlsStatus write(ByteView plaintext);
  // Queues a close_notify alert.
  void shutdown();
  // Ciphertext to send to the peer (empty if none).
  Bytes take_output();
  bool has_output() const;
  // Received ciphertext not yet turned into plaintext (part of a record).
  bool has_partial_input() const;

  SSL* ssl() const { return ssl_.get(); }

 private:
  TlsSession(security::SslPtr ssl, BIO* in, BIO* out) : ssl_(std::move(ssl)), in_(in), out_(out) {}
  TlsStatus failure(int rc, TlsFailure kind);

  security::SslPtr ssl_;
  BIO* in_;   // owned by ssl_
  BIO* out_;  // owned by ssl_
  bool done_ = false;
};

}  // namespace p2psip::link
