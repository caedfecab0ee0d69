#pragma once
// SIP TLS certificate renewal on a running gateway (issue 19), with Sofia-SIP 1.12 as Debian 12
// ships it (1.12.11 of 2011).
//
// Sofia builds a TLS transport's SSL_CTX once, when nta_agent_add_tport() creates the transport
// (tport_tls.c tls_init_context), and has no call that loads new files (upstream freeswitch
// added tport_reload_tls() only in 2026; Debian's 1.12.11 has none, and its headers expose no
// SSL_CTX). Every connection the transport accepts or opens is made with SSL_new(master
// context) (tls_init_secondary), and SSL_new copies the context's certificate, key and chain
// into the connection (OpenSSL ssl_cert_dup, references counted). So putting a new
// certificate and key into the *master context* serves them to every TLS connection made
// from then on, while the connections already open keep theirs: calls, UDP and TCP are not
// touched, no socket is closed.
//
// Sofia keeps its context private: TlsContexts learns it from OpenSSL itself. OpenSSL calls
// the new-callback of every SSL_CTX ex_data index for each SSL_CTX_new (CRYPTO_get_ex_new_index,
// documented API); while a Capture lives, the contexts made on this thread are recorded
// (SipAgent opens one around nta_agent_add_tport only). Each one is held with SSL_CTX_up_ref,
// so it stays valid whatever Sofia does.

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "common/expected.h"
#include "gateway/sip/tls_material.h"

namespace p2psip::sip {

// A certificate (leaf, then its chain as the file lists it) and its private key, loaded and
// checked off the loop (a reload's thread-pool work); immutable once made.
class TlsCredentials {
 public:
  // Errors name the file and what is wrong (not PEM, no certificate, key does not match).
  static Expected<std::shared_ptr<const TlsCredentials>, std::string> load(const TlsFiles& files);
  ~TlsCredentials();
  TlsCredentials(const TlsCredentials&) = delete;
  TlsCredentials& operator=(const TlsCredentials&) = delete;

  X509* leaf() const { return leaf_; }
  EVP_PKEY* key() const { return key_; }
  STACK_OF(X509)* chain() const { return chain_; }
  std::string describe() const;  // "CN=..., expires ..." for the log

 private:
  TlsCredentials() = default;
  X509* leaf_ = nullptr;
  EVP_PKEY* key_ = nullptr;
  STACK_OF(X509)* chain_ = nullptr;
};

class TlsContexts {
 public:
  // Records the SSL_CTXs created on this thread while it lives (not nested).
  class Capture {
   public:
    explicit Capture(TlsContexts& into);
    ~Capture();
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
  };

  TlsContexts() = default;
  ~TlsContexts();  // drops our references
  TlsContexts(const TlsContexts&) = delete;
  TlsContexts& operator=(const TlsContexts&) = delete;

  std::size_t size() const { return contexts_.size(); }
  // Serves `creds` on every captured context from the next handshake on. Refused (nothing
  // changed) when a context cannot take them or the key type differs from the running one
  // (OpenSSL keeps one certificate per key type: the old one could still be chosen).
  // True in `changed` when the leaf differs from the one served before.
  Expected<void, std::string> replace(const TlsCredentials& creds, bool& changed);

  void adopt(SSL_CTX* ctx);  // the Capture's callback; takes a reference

 private:
  std::vector<SSL_CTX*> contexts_;
};

}  // namespace p2psip::sip
