#include "overlay/enroll/server_certificate.h"

#include <arpa/inet.h>
#include <openssl/rand.h>

#include <array>

namespace p2psip::enroll {

namespace {

namespace sec = p2psip::security;

Expected<void, std::string> add_ext(X509* x, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  sec::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) return unexpected(sec::openssl_error("extension"));
  return {};
}

bool is_specific_ip(const std::string& ip) {
  std::array<unsigned char, 16> buf{};
  if (ip == "0.0.0.0" || ip == "::") return false;
  return inet_pton(AF_INET, ip.c_str(), buf.data()) == 1 || inet_pton(AF_INET6, ip.c_str(), buf.data()) == 1;
}

Expected<void, std::string> set_names_and_time(X509* x, const sec::CertificateAuthority& ca, int days,
                                               sec::SysSeconds now) {
  std::array<unsigned char, 20> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) return unexpected(std::string("no randomness"));
  raw[0] = static_cast<unsigned char>((raw[0] & 0x7f) | 0x01);
  sec::BignumPtr bn(BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr));
  sec::Asn1IntegerPtr serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  time_t t = static_cast<time_t>(now.time_since_epoch().count());
  X509_NAME* subject = X509_get_subject_name(x);
  const std::string& cn = ca.overlay();
  if (!serial || X509_set_serialNumber(x, serial.get()) != 1 ||
      ASN1_TIME_adj(X509_getm_notBefore(x), t, 0, -300) == nullptr ||
      ASN1_TIME_adj(X509_getm_notAfter(x), t, days, 0) == nullptr ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1 ||
      X509_set_issuer_name(x, X509_get_subject_name(ca.root().x509())) != 1) {
    return unexpected(sec::openssl_error("server certificate"));
  }
  return {};
}

}  // namespace

Expected<ServerCredentials, std::string> issue_server_certificate(const sec::CertificateAuthority& ca,
                                                                  const std::string& ip, int days,
                                                                  sec::SysSeconds now) {
  auto key = sec::PrivateKey::generate(sec::KeyType::ec_p256);
  if (!key) return unexpected(key.error());
  sec::X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1 || X509_set_pubkey(x.get(), key->get()) != 1) {
    return unexpected(sec::openssl_error("server certificate"));
  }
  auto ok = set_names_and_time(x.get(), ca, days, now);
  // The SAN text is built from a validated overlay name and an address inet_pton accepted.
  std::string san = "DNS:" + ca.overlay();
  if (is_specific_ip(ip)) san += ",IP:" + ip;
  X509* issuer = ca.root().x509();
  if (ok) ok = add_ext(x.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
  if (ok) ok = add_ext(x.get(), issuer, NID_key_usage, "critical,digitalSignature");
  if (ok) ok = add_ext(x.get(), issuer, NID_ext_key_usage, "serverAuth");
  if (ok) ok = add_ext(x.get(), issuer, NID_subject_alt_name, san.c_str());
  if (ok) ok = add_ext(x.get(), issuer, NID_authority_key_identifier, "keyid:always");
  if (!ok) return unexpected(ok.error());
  if (X509_sign(x.get(), ca.key().get(), EVP_sha256()) <= 0) {
    return unexpected(sec::openssl_error("cannot sign the server certificate"));
  }
  return ServerCredentials{std::move(x), std::move(key).value()};
}

Expected<sec::SslCtxPtr, std::string> make_server_tls_context(X509* cert, EVP_PKEY* key, X509* chain) {
  sec::SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx.get(), cert) != 1 || SSL_CTX_use_PrivateKey(ctx.get(), key) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return unexpected(sec::openssl_error("HTTPS context"));
  }
  if (chain && SSL_CTX_add1_chain_cert(ctx.get(), chain) != 1) {
    return unexpected(sec::openssl_error("HTTPS chain"));
  }
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  return ctx;
}

}  // namespace p2psip::enroll
