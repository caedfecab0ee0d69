#pragma once
// Shared by the enroll unit tests: a CA, a signer certificate and CSRs made with OpenSSL.

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <string>

#include "overlay/security/ca.h"
#include "overlay/security/handles.h"

namespace p2psip::enroll::test {

inline security::SysSeconds test_now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

inline security::CertificateAuthority test_ca(const std::string& overlay = "p2p.test") {
  return security::CertificateAuthority::create(overlay, security::KeyType::ec_p256, 30, test_now()).value();
}

inline security::IssuedCredentials test_signer(const security::CertificateAuthority& ca,
                                               const std::string& user = "signer@p2p.test") {
  security::IssueRequest req{user, {security::random_node_id().value()}, security::KeyType::ec_p256, 30};
  return ca.issue(req, test_now()).value();
}

// A DER PKCS#10 request for `key`, optionally asking for an rfc822Name.
inline std::string make_csr(const security::PrivateKey& key, const std::string& email = "") {
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_pubkey(req, key.get());
  if (!email.empty()) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    std::string san = "email:" + email;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    sk_X509_EXTENSION_push(exts, ext);
    X509_REQ_add_extensions(req, exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  X509_REQ_sign(req, key.get(), EVP_sha256());
  int len = i2d_X509_REQ(req, nullptr);
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509_REQ(req, &p);
  X509_REQ_free(req);
  return der;
}

}  // namespace p2psip::enroll::test
