#include "overlay/security/certificate.h"

#include <openssl/pem.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "overlay/security/files.h"
#include "overlay/security/x509_parse.h"

namespace p2psip::security {

namespace {

using Error = std::string;

// The text of an IA5String name, refusing embedded NULs and non-ASCII bytes.
Expected<std::string, Error> ia5_text(const ASN1_STRING* s, std::string_view what) {
  const unsigned char* data = ASN1_STRING_get0_data(s);
  int len = ASN1_STRING_length(s);
  if (data == nullptr || len <= 0) return unexpected("empty " + std::string(what));
  auto* first = reinterpret_cast<const char*>(data);
  std::string text(first, first + len);
  bool clean = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!clean) return unexpected(std::string(what) + " holds a NUL, control or non-ASCII byte");
  return text;
}

const char* general_name_kind(int type) {
  switch (type) {
    case GEN_OTHERNAME: return "otherName";
    case GEN_DNS: return "dNSName";
    case GEN_X400: return "x400Address";
    case GEN_DIRNAME: return "directoryName";
    case GEN_EDIPARTY: return "ediPartyName";
    case GEN_IPADD: return "iPAddress";
    case GEN_RID: return "registeredID";
    default: return "unknown";
  }
}

GENERAL_NAME* name_at(GENERAL_NAMES* names, int i) {
  // sk_GENERAL_NAME_value() is a macro with a C cast; this is its expansion.
  return static_cast<GENERAL_NAME*>(OPENSSL_sk_value(
      reinterpret_cast<const OPENSSL_STACK*>(names), i));
}

int name_count(GENERAL_NAMES* names) {
  return OPENSSL_sk_num(reinterpret_cast<const OPENSSL_STACK*>(names));
}

}  // namespace

// Fills a Certificate from a decoded X509, one RFC 6940 §11.3 rule per step.
class CertificateParser {
 public:
  explicit CertificateParser(std::string_view expected_overlay) : expected_(expected_overlay) {}

  Expected<Certificate, Error> parse(ByteView der) {
    if (der.empty()) return unexpected(Error("empty certificate"));
    if (der.size() > kMaxCertificateSize) return unexpected(Error("certificate larger than 16 KiB"));
    std::size_t consumed = 0;
    cert_.x509_ = decode_x509(der, &consumed);
    if (!cert_.x509_) return unexpected(openssl_error("not a DER X.509 certificate"));
    if (consumed != der.size()) return unexpected(Error("trailing bytes after the certificate"));
    cert_.der_.assign(der.begin(), der.end());
    for (auto step : {&CertificateParser::check_basics, &CertificateParser::check_key,
                      &CertificateParser::check_names}) {
      auto ok = (this->*step)();
      if (!ok) return unexpected(ok.error());
    }
    return std::move(cert_);
  }

 private:
  Expected<void, Error> check_basics() {
    X509* x = cert_.x509_.get();
    if (X509_get_version(x) != X509_VERSION_3) return unexpected(Error("not an X.509 v3 certificate"));
    std::uint32_t flags = X509_get_extension_flags(x);
    if (flags & EXFLAG_INVALID) return unexpected(Error("malformed or duplicated extensions"));
    if (flags & EXFLAG_CA) return unexpected(Error("a CA certificate is not a peer certificate"));
    if (X509_NAME_entry_count(X509_get_subject_name(x)) != 0) {
      return unexpected(Error("subject DN is not empty (RFC 6940 §11.3)"));
    }
    return {};
  }

  Expected<void, Error> check_key() {
    cert_.public_key_.reset(X509_get_pubkey(cert_.x509_.get()));
    if (!cert_.public_key_) return unexpected(openssl_error("unreadable public key"));
    auto type = classify_key(cert_.public_key_.get());
    if (!type) return unexpected(type.error());
    cert_.key_type_ = *type;
    return {};
  }

  Expected<void, Error> check_names() {
    X509* x = cert_.x509_.get();
    int idx = X509_get_ext_by_NID(x, NID_subject_alt_name, -1);
    if (idx < 0) return unexpected(Error("no subjectAltName"));
    if (X509_get_ext_by_NID(x, NID_subject_alt_name, idx) >= 0) {
      return unexpected(Error("more than one subjectAltName extension"));
    }
    X509_EXTENSION* ext = X509_get_ext(x, idx);
    if (X509_EXTENSION_get_critical(ext) != 1) {
      return unexpected(Error("subjectAltName not critical with an empty subject (RFC 5280)"));
    }
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
    if (!names) return unexpected(openssl_error("malformed subjectAltName"));
    int users = 0;
    for (int i = 0; i < name_count(names.get()); ++i) {
      auto ok = take_name(name_at(names.get(), i), users);
      if (!ok) return ok;
    }
    if (users != 1) {
      return unexpected("subjectAltName holds " + std::to_string(users) +
                        " rfc822Names; exactly one (the user name) is required");
    }
    if (cert_.node_ids_.empty()) return unexpected(Error("subjectAltName holds no Node-ID URI"));
    return {};
  }

  Expected<void, Error> take_name(const GENERAL_NAME* name, int& users) {
    if (name->type == GEN_EMAIL) {
      auto text = ia5_text(name->d.rfc822Name, "rfc822Name");
      if (!text) return unexpected(text.error());
      if (!is_valid_user_name(*text)) {
        return unexpected("rfc822Name '" + text->substr(0, 120) + "' is not user@domain");
      }
      cert_.user_ = std::move(text).value();
      ++users;
      return {};
    }
    if (name->type == GEN_URI) return take_uri(name->d.uniformResourceIdentifier);
    return unexpected(std::string("subjectAltName holds a ") + general_name_kind(name->type) +
                      "; only reload URIs and one rfc822Name are allowed (RFC 6940 §11.3)");
  }

  Expected<void, Error> take_uri(const ASN1_STRING* value) {
    auto text = ia5_text(value, "URI");
    if (!text) return unexpected(text.error());
    auto uri = parse_reload_uri(*text);
    if (!uri) return unexpected(uri.error());
    if (!expected_.empty() && !iequals(uri->overlay, expected_)) {
      return unexpected("Node-ID URI is for overlay '" + uri->overlay + "', not '" +
                        std::string(expected_) + "'");
    }
    if (cert_.overlay_.empty()) {
      cert_.overlay_ = uri->overlay;
    } else if (!iequals(cert_.overlay_, uri->overlay)) {
      return unexpected(Error("Node-ID URIs name more than one overlay"));
    }
    if (cert_.has_node_id(uri->node_id)) return unexpected(Error("duplicate Node-ID URI"));
    if (cert_.node_ids_.size() == kMaxNodeIdsPerCertificate) {
      return unexpected(Error("more than 16 Node-IDs"));
    }
    cert_.node_ids_.push_back(uri->node_id);
    return {};
  }

  std::string_view expected_;
  Certificate cert_;
};

Expected<Certificate, std::string> Certificate::from_der(ByteView der,
                                                         std::string_view expected_overlay) {
  return CertificateParser(expected_overlay).parse(der);
}

Expected<Certificate, std::string> Certificate::from_pem(ByteView pem,
                                                         std::string_view expected_overlay) {
  auto der = pem_certificate_to_der(pem);
  if (!der) return unexpected(der.error());
  return from_der(*der, expected_overlay);
}

Expected<Certificate, std::string> Certificate::load(const std::filesystem::path& path,
                                                     std::string_view expected_overlay) {
  auto pem = read_file(path);
  if (!pem) return unexpected(pem.error());
  auto cert = from_pem(*pem, expected_overlay);
  if (!cert) return unexpected(path.string() + ": " + cert.error());
  return cert;
}

Certificate::Certificate(const Certificate& other)
    : der_(other.der_),
      node_ids_(other.node_ids_),
      user_(other.user_),
      overlay_(other.overlay_),
      key_type_(other.key_type_) {
  X509_up_ref(other.x509_.get());
  x509_.reset(other.x509_.get());
  EVP_PKEY_up_ref(other.public_key_.get());
  public_key_.reset(other.public_key_.get());
}

bool Certificate::has_node_id(const NodeId& id) const {
  return std::find(node_ids_.begin(), node_ids_.end(), id) != node_ids_.end();
}

Expected<Bytes, std::string> Certificate::to_pem() const { return der_certificate_to_pem(der_); }

Expected<Bytes, std::string> pem_certificate_to_der(ByteView pem) {
  if (pem.size() > 4 * kMaxCertificateSize) return unexpected(std::string("PEM input too large"));
  BioPtr bio = memory_bio(pem);
  if (!bio) return unexpected(openssl_error("cannot read PEM"));
  // The decoded bytes as they are (not re-encoded), so der() is what the issuer signed.
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      return unexpected(openssl_error("no PEM CERTIFICATE block"));
    }
    bool is_cert = std::strcmp(name, PEM_STRING_X509) == 0;
    Bytes der;
    if (is_cert) {
      auto* first = reinterpret_cast<const std::byte*>(data);
      der.assign(first, first + len);
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (is_cert) return der;
  }
}

Expected<Bytes, std::string> der_certificate_to_pem(ByteView der) {
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!x || !bio || PEM_write_bio_X509(bio.get(), x.get()) != 1) {
    return unexpected(openssl_error("cannot encode certificate as PEM"));
  }
  return bio_contents(bio.get());
}

}  // namespace p2psip::security
