// The public CA functions (p2psip/overlay/ca.h) over overlay/security's ca_dir.
#include "p2psip/overlay/ca.h"

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <ctime>
#include <filesystem>

#include "overlay/security/ca_dir.h"
#include "overlay/security/identity.h"

namespace p2psip::overlay {

namespace {

namespace fs = std::filesystem;
namespace sec = p2psip::security;

sec::KeyType to_sec(KeyType t) {
  return t == KeyType::kEcP256 ? sec::KeyType::ec_p256 : sec::KeyType::rsa2048;
}

CaError to_public(const sec::CaError& e) {
  return CaError{e.kind == sec::CaError::Kind::usage ? CaError::Kind::kUsage
                                                     : CaError::Kind::kRuntime,
                 e.message};
}

// An ASN1_TIME as seconds since the epoch (0 when it cannot be read).
SysSeconds to_sys(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return SysSeconds{};
  return SysSeconds{std::chrono::seconds{timegm(&tm)}};
}

Error dev_error(const sec::CaError& e) {
  return Error{e.kind == sec::CaError::Kind::usage ? Error::Kind::kConfig : Error::Kind::kRuntime,
               "", "dev CA: " + e.message};
}

}  // namespace

std::optional<KeyType> parse_key_type(std::string_view name) {
  auto t = sec::parse_key_type(name);
  if (!t) return std::nullopt;
  return *t == sec::KeyType::ec_p256 ? KeyType::kEcP256 : KeyType::kRsa2048;
}

std::string ca_cert_path(const std::string& dir) { return sec::ca_cert_path(dir).string(); }

Expected<CaInitResult, CaError> init_ca(const CaInitOptions& o, SysSeconds now) {
  auto r = sec::init_ca_dir({o.overlay, o.dir, to_sec(o.key_type), o.days}, now);
  if (!r) return unexpected(to_public(r.error()));
  return CaInitResult{r->overlay, r->cert_path.string(), r->key_path.string()};
}

Expected<CaIssueResult, CaError> issue_certificate(const CaIssueOptions& o, SysSeconds now) {
  auto r = sec::issue_to_files(
      {o.dir, o.user, o.node_ids_hex, to_sec(o.key_type), o.days, o.out_prefix}, now);
  if (!r) return unexpected(to_public(r.error()));
  CaIssueResult out{{}, r->user, r->overlay, r->cert_path.string(), r->key_path.string()};
  for (const sec::NodeId& id : r->node_ids) out.node_ids.push_back(sec::node_id_hex(id));
  return out;
}

Expected<DevCredentials, Error> ensure_dev_credentials(const std::string& data_dir,
                                                       const std::string& overlay,
                                                       SysSeconds now,
                                                       const std::string& user) {
  fs::path data(data_dir);
  fs::path ca_dir = data / "dev-ca";
  fs::path cert_path = data / "node.crt";
  DevCredentials out;
  out.ca_dir = ca_dir.string();
  if (!fs::exists(sec::ca_cert_path(ca_dir))) {
    auto r = sec::init_ca_dir({overlay, ca_dir, sec::KeyType::rsa2048, sec::kDefaultRootDays}, now);
    if (!r) return unexpected(dev_error(r.error()));
    out.created_ca = true;
  }
  auto root = sec::RootCertificate::load(sec::ca_cert_path(ca_dir));
  if (root && !sec::iequals(root->overlay(), overlay)) {
    return unexpected(Error{Error::Kind::kConfig, "overlay",
                            "the development CA in '" + ca_dir.string() + "' is for overlay '" +
                                root->overlay() + "', not '" + overlay + "'"});
  }
  std::string wanted = user.empty() ? "node@" + overlay : user;
  if (fs::exists(cert_path)) {
    auto existing = sec::Certificate::load(cert_path);
    if (existing && !sec::iequals(existing->user(), wanted)) out.replaced_user = existing->user();
  }
  if (!fs::exists(cert_path) || !out.replaced_user.empty()) {
    // Issued next to the old pair, then moved over it: a failure leaves the old one intact.
    fs::path prefix = data / (out.replaced_user.empty() ? "node" : "node.reissue");
    std::error_code ec;
    if (!out.replaced_user.empty()) {  // a leftover of an interrupted reissue
      fs::remove(prefix.string() + ".crt", ec);
      fs::remove(prefix.string() + ".key", ec);
    }
    sec::CaIssueOptions o{ca_dir, wanted, {}, sec::KeyType::rsa2048, sec::kDefaultIssueDays, prefix};
    auto r = sec::issue_to_files(o, now);
    if (!r) return unexpected(dev_error(r.error()));
    if (!out.replaced_user.empty()) {
      fs::rename(prefix.string() + ".key", data / "node.key", ec);
      if (!ec) fs::rename(prefix.string() + ".crt", cert_path, ec);
      if (ec) {
        return unexpected(Error{Error::Kind::kRuntime, "", "development certificate for " +
                                                              wanted + ": " + ec.message()});
      }
    }
  }
  out.files = CredentialFiles{cert_path.string(), (data / "node.key").string(),
                              sec::ca_cert_path(ca_dir).string()};
  return out;
}

Expected<CertificateInfo, std::string> read_certificate(const std::string& path) {
  auto cert = sec::Certificate::load(path);
  if (!cert) return unexpected(cert.error());
  CertificateInfo info{cert->overlay(), cert->user(), {}};
  for (const sec::NodeId& id : cert->node_ids()) info.node_ids.push_back(sec::node_id_hex(id));
  info.not_before = to_sys(X509_get0_notBefore(cert->x509()));
  info.not_after = to_sys(X509_get0_notAfter(cert->x509()));
  return info;
}

}  // namespace p2psip::overlay
