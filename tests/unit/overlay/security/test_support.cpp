#include "test_support.h"

#include <doctest/doctest.h>
#include <openssl/err.h>

#include <stdexcept>

namespace p2psip::security::test {

namespace {

CertificateAuthority make_ca(KeyType type) {
  auto ca = CertificateAuthority::create(kOverlay, type, 3650, kNow - std::chrono::hours(24));
  if (!ca) throw std::runtime_error(ca.error());
  return std::move(ca).value();
}

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(openssl_error(what));
}

void add_conf_ext(X509* x, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  check(ext && X509_add_ext(x, ext.get(), -1) == 1, "extension");
}

void add_san(X509* x, const CertSpec& spec) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  for (const auto& [type, text] : spec.san) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    ASN1_IA5STRING* value = ASN1_IA5STRING_new();
    ASN1_STRING_set(value, text.data(), static_cast<int>(text.size()));
    GENERAL_NAME_set0_value(name, type, value);
    OPENSSL_sk_push(reinterpret_cast<OPENSSL_STACK*>(names.get()), name);
  }
  check(X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), spec.san_critical ? 1 : 0,
                          X509V3_ADD_DEFAULT) == 1, "san");
}

}  // namespace

const CertificateAuthority& rsa_ca() {
  static const CertificateAuthority ca = make_ca(KeyType::rsa2048);
  return ca;
}

const CertificateAuthority& ec_ca() {
  static const CertificateAuthority ca = make_ca(KeyType::ec_p256);
  return ca;
}

const CertificateAuthority& other_ca() {
  static const CertificateAuthority ca = make_ca(KeyType::ec_p256);
  return ca;
}

NodeId node_id(unsigned char fill) {
  NodeId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::byte>(fill + i);
  return id;
}

Bytes build_cert(const CertificateAuthority& ca, const CertSpec& spec) {
  auto key = PrivateKey::generate(KeyType::ec_p256);
  if (!key) throw std::runtime_error(key.error());
  X509Ptr x(X509_new());
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 42);
  time_t t = static_cast<time_t>(kNow.time_since_epoch().count());
  ASN1_TIME_adj(X509_getm_notBefore(x.get()), t, -1, 0);
  ASN1_TIME_adj(X509_getm_notAfter(x.get()), t, 30, 0);
  if (!spec.subject_cn.empty()) {
    X509_NAME_add_entry_by_NID(X509_get_subject_name(x.get()), NID_commonName, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.subject_cn.c_str()),
                               -1, -1, 0);
  }
  X509* issuer = ca.root().x509();
  X509_set_issuer_name(x.get(), X509_get_subject_name(issuer));
  EvpPkeyPtr ed25519(spec.ed25519_key ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519") : nullptr);
  X509_set_pubkey(x.get(), ed25519 ? ed25519.get() : key->get());
  add_conf_ext(x.get(), issuer, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (spec.duplicate_extension) add_conf_ext(x.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
  add_conf_ext(x.get(), issuer, NID_authority_key_identifier, "keyid:always");
  if (!spec.no_san) add_san(x.get(), spec);
  check(X509_sign(x.get(), ca.key().get(), EVP_sha256()) > 0, "sign");
  int len = i2d_X509(x.get(), nullptr);
  Bytes der(static_cast<std::size_t>(len));
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(x.get(), &out);
  return der;
}

bool handshake(SSL_CTX* client_ctx, SSL_CTX* server_ctx, SslPtr& client, SslPtr& server) {
  client.reset(SSL_new(client_ctx));
  server.reset(SSL_new(server_ctx));
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  REQUIRE(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) == 1);
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    if (!client_done) {
      int rc = SSL_do_handshake(client.get());
      if (rc == 1) client_done = true;
      else if (SSL_get_error(client.get(), rc) != SSL_ERROR_WANT_READ) break;
    }
    if (!server_done) {
      int rc = SSL_do_handshake(server.get());
      if (rc == 1) server_done = true;
      else if (SSL_get_error(server.get(), rc) != SSL_ERROR_WANT_READ) break;
    }
  }
  ERR_clear_error();
  return client_done && server_done;
}

}  // namespace p2psip::security::test
