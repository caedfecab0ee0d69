#include "overlay/security/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "overlay/security/files.h"

namespace p2psip::security {

namespace {

// The first dNSName of the subjectAltName, lowercased, or "".
std::string overlay_of(X509* x) {
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return {};
  auto* stack = reinterpret_cast<const OPENSSL_STACK*>(names.get());
  for (int i = 0; i < OPENSSL_sk_num(stack); ++i) {
    auto* name = static_cast<const GENERAL_NAME*>(OPENSSL_sk_value(stack, i));
    if (name->type != GEN_DNS) continue;
    const unsigned char* data = ASN1_STRING_get0_data(name->d.dNSName);
    int len = ASN1_STRING_length(name->d.dNSName);
    std::string text(reinterpret_cast<const char*>(data), static_cast<std::size_t>(len));
    if (!is_valid_overlay_name(text)) return {};
    for (char& c : text) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
  }
  return {};
}

}  // namespace

Expected<RootCertificate, std::string> RootCertificate::from_der(ByteView der) {
  if (der.empty() || der.size() > kMaxCertificateSize) {
    return unexpected(std::string("root certificate empty or larger than 16 KiB"));
  }
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return unexpected(openssl_error("root is not a DER X.509 certificate"));
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return unexpected(std::string("trailing bytes after the root certificate"));
  }
  std::uint32_t flags = X509_get_extension_flags(x.get());
  if ((flags & EXFLAG_INVALID) || X509_check_ca(x.get()) != 1) {
    return unexpected(std::string("root certificate is not a valid CA certificate"));
  }
  std::string overlay = overlay_of(x.get());
  return RootCertificate(std::move(x), Bytes(der.begin(), der.end()), std::move(overlay));
}

Expected<RootCertificate, std::string> RootCertificate::from_pem(ByteView pem) {
  auto der = pem_certificate_to_der(pem);
  if (!der) return unexpected(der.error());
  return from_der(*der);
}

Expected<RootCertificate, std::string> RootCertificate::load(const std::filesystem::path& path) {
  auto pem = read_file(path);
  if (!pem) return unexpected(pem.error());
  auto root = from_pem(*pem);
  if (!root) return unexpected(path.string() + ": " + root.error());
  return root;
}

RootCertificate::RootCertificate(const RootCertificate& other)
    : der_(other.der_), overlay_(other.overlay_) {
  X509_up_ref(other.x509_.get());
  x509_.reset(other.x509_.get());
}

Expected<Bytes, std::string> RootCertificate::to_pem() const {
  return der_certificate_to_pem(der_);
}

Expected<void, std::string> Certificate::verify_chain(const RootCertificate& root,
                                                      SysSeconds now) const {
  return verify_chain(std::span<const RootCertificate>(&root, 1), now);
}

Expected<void, std::string> Certificate::verify_chain(std::span<const RootCertificate> roots,
                                                      SysSeconds now) const {
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx) return unexpected(openssl_error("out of memory"));
  for (const RootCertificate& root : roots) {
    if (X509_STORE_add_cert(store.get(), root.x509()) != 1) {
      return unexpected(openssl_error("cannot add root certificate"));
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), x509_.get(), nullptr) != 1) {
    return unexpected(openssl_error("cannot start chain verification"));
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now.time_since_epoch().count()));
  // Strict RFC 5280 checks; a configured root-cert need not be self-signed to be trusted.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN);
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return unexpected(std::string("certificate chain does not verify: ") +
                      X509_verify_cert_error_string(err));
  }
  return {};
}

}  // namespace p2psip::security
