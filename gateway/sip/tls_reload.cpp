#include "gateway/sip/tls_reload.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <mutex>

namespace p2psip::sip {

namespace {

thread_local TlsContexts* capturing = nullptr;

// OpenSSL's CRYPTO_EX_new for SSL_CTX: runs inside every SSL_CTX_new, on the creating thread.
void on_new_context(void* parent, void*, CRYPTO_EX_DATA*, int, long, void*) {
  if (capturing && parent) capturing->adopt(static_cast<SSL_CTX*>(parent));
}

void register_index() {
  static std::once_flag once;
  std::call_once(once, [] { SSL_CTX_get_ex_new_index(0, nullptr, &on_new_context, nullptr, nullptr); });
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

// Never prompts on a terminal for an encrypted key: refused instead.
int no_passphrase(char*, int, int, void*) { return -1; }

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string name_of(X509_NAME* n) {
  if (!n) return "?";
  Bio out(BIO_new(BIO_s_mem()));
  if (!out) return "?";
  X509_NAME_print_ex(out.get(), n, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

Expected<std::shared_ptr<const TlsCredentials>, std::string> TlsCredentials::load(const TlsFiles& files) {
  std::shared_ptr<TlsCredentials> c(new TlsCredentials());
  Bio cert(BIO_new_file(files.cert.c_str(), "r"));
  if (!cert) return unexpected("sip_tls_cert: cannot read '" + files.cert + "'");
  c->leaf_ = PEM_read_bio_X509(cert.get(), nullptr, &no_passphrase, nullptr);
  if (!c->leaf_) return unexpected("sip_tls_cert: no PEM certificate in '" + files.cert + "'");
  c->chain_ = sk_X509_new_null();
  while (X509* more = PEM_read_bio_X509(cert.get(), nullptr, &no_passphrase, nullptr)) {
    sk_X509_push(c->chain_, more);
  }
  ERR_clear_error();  // the end of the file
  Bio key(BIO_new_file(files.key.c_str(), "r"));
  if (!key) return unexpected("sip_tls_key: cannot read '" + files.key + "'");
  c->key_ = PEM_read_bio_PrivateKey(key.get(), nullptr, &no_passphrase, nullptr);
  if (!c->key_) {
    return unexpected("sip_tls_key: no usable PEM private key in '" + files.key + "': " + openssl_error());
  }
  if (X509_check_private_key(c->leaf_, c->key_) != 1) {
    ERR_clear_error();
    return unexpected("sip_tls_key: '" + files.key + "' is not the key of '" + files.cert + "'");
  }
  return std::shared_ptr<const TlsCredentials>(std::move(c));
}

TlsCredentials::~TlsCredentials() {
  X509_free(leaf_);
  EVP_PKEY_free(key_);
  sk_X509_pop_free(chain_, X509_free);
}

std::string TlsCredentials::describe() const {
  std::string expires = "?";
  if (Bio out{BIO_new(BIO_s_mem())}; out && ASN1_TIME_print(out.get(), X509_get0_notAfter(leaf_))) {
    char* data = nullptr;
    long len = BIO_get_mem_data(out.get(), &data);
    expires.assign(data, static_cast<std::size_t>(len));
  }
  return name_of(X509_get_subject_name(leaf_)) + ", expires " + expires;
}

TlsContexts::Capture::Capture(TlsContexts& into) {
  register_index();
  capturing = &into;
}

TlsContexts::Capture::~Capture() { capturing = nullptr; }

TlsContexts::~TlsContexts() {
  for (SSL_CTX* c : contexts_) SSL_CTX_free(c);
}

void TlsContexts::adopt(SSL_CTX* ctx) {
  if (SSL_CTX_up_ref(ctx) == 1) contexts_.push_back(ctx);
}

Expected<void, std::string> TlsContexts::replace(const TlsCredentials& creds, bool& changed) {
  changed = false;
  if (contexts_.empty()) return unexpected(std::string("no SIP TLS context was captured"));
  for (SSL_CTX* ctx : contexts_) {
    EVP_PKEY* running = SSL_CTX_get0_privatekey(ctx);
    if (running && EVP_PKEY_get_base_id(running) != EVP_PKEY_get_base_id(creds.key())) {
      return unexpected(std::string("the new key's type differs from the running one: it applies "
                                    "from the next start"));
    }
  }
  for (SSL_CTX* ctx : contexts_) {
    X509* before = SSL_CTX_get0_certificate(ctx);
    if (!before || X509_cmp(before, creds.leaf()) != 0) changed = true;
    STACK_OF(X509)* chain = sk_X509_num(creds.chain()) > 0 ? creds.chain() : nullptr;
    // override 1: the certificate, key and chain of this key type are replaced.
    if (SSL_CTX_use_cert_and_key(ctx, creds.leaf(), creds.key(), chain, 1) != 1) {
      return unexpected("OpenSSL refused the new certificate: " + openssl_error());
    }
  }
  return {};
}

}  // namespace p2psip::sip
