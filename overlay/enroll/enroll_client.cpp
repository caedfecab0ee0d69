// run_enroll_client (p2psip/overlay/enroll.h): the one-shot enrollment step of RFC 6940 §11.3.
// Files written under DIR (never overwritten; nothing is left behind on failure):
//   node.key (0600), node.crt, ca.crt (the document's first root-cert), reload-config.xml.

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "overlay/enroll/config_document.h"
#include "overlay/enroll/https_client.h"
#include "overlay/enroll/multipart.h"
#include "overlay/security/certificate.h"
#include "overlay/security/files.h"
#include "overlay/security/handles.h"
#include "overlay/security/identity.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::overlay {

namespace {

namespace sec = p2psip::security;
namespace en = p2psip::enroll;
namespace fs = std::filesystem;
using X509ReqPtr = sec::CHandle<X509_REQ, X509_REQ_free>;

EnrollClientResult fail(int code, std::string message) {
  EnrollClientResult r;
  r.exit_code = code;
  r.message = std::move(message);
  return r;
}

sec::SysSeconds now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

// A PKCS#10 request (DER) with an empty subject: the server chooses the names (§11.3).
Expected<std::string, std::string> make_csr(const sec::PrivateKey& key) {
  X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_pubkey(req.get(), key.get()) != 1 || X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
    return unexpected(sec::openssl_error("cannot make the CSR"));
  }
  int len = i2d_X509_REQ(req.get(), nullptr);
  if (len <= 0) return unexpected(sec::openssl_error("cannot encode the CSR"));
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509_REQ(req.get(), &p);
  return der;
}

std::string random_boundary() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  return "reload-" + to_hex(ByteView(reinterpret_cast<const std::byte*>(raw), sizeof raw));
}

struct Fetched {
  std::string text;
  en::ParsedConfig config;
};

Expected<Fetched, EnrollClientResult> fetch_config(const EnrollClientOptions& o, const en::HttpsUrl& url,
                                                   const en::HttpsTrust& trust) {
  auto got = en::https_request(url, trust, "GET", "Accept: application/p2p-overlay+xml\r\n", "");
  if (!got) {
    EnrollClientResult r = fail(kEnrollExitFailed, "configuration: " + got.error());
    r.unreachable = true;
    return unexpected(std::move(r));
  }
  if (got->status != 200) {
    return unexpected(fail(kEnrollExitFailed, "configuration: HTTP " + std::to_string(got->status) + " from " + o.url));
  }
  auto parsed = en::parse_config_document(got->body);
  if (!parsed) return unexpected(fail(kEnrollExitFailed, "configuration: " + parsed.error()));
  auto verified = en::verify_config_document(*parsed, now());
  if (!verified) return unexpected(fail(kEnrollExitFailed, "configuration: " + verified.error()));
  if (parsed->enrollment_servers.empty()) {
    return unexpected(fail(kEnrollExitFailed, "configuration names no enrollment-server"));
  }
  return Fetched{std::move(got->body), std::move(parsed).value()};
}

// `node_certificate`: the extension of enrollment.h (PEM), "" for a plain §11.3 request.
Expected<sec::Certificate, EnrollClientResult> post_csr(const EnrollClientOptions& o, const Fetched& f,
                                                        const en::HttpsTrust& trust, const sec::PrivateKey& key,
                                                        std::string_view node_certificate = {}) {
  auto url = en::parse_https_url(f.config.enrollment_servers.front());
  if (!url) return unexpected(fail(kEnrollExitFailed, "enrollment-server: " + url.error()));
  auto csr = make_csr(key);
  if (!csr) return unexpected(fail(kEnrollExitFailed, csr.error()));
  std::vector<en::FormPart> parts{{"username", "", o.user}, {"password", "", o.password}};
  if (o.node_ids > 1) parts.push_back({"nodeids", "", std::to_string(o.node_ids)});
  parts.push_back({"csr", "application/pkcs10", *csr});
  if (!node_certificate.empty()) parts.push_back({"node_certificate", "", std::string(node_certificate)});
  std::string boundary = random_boundary();
  std::string headers = "Accept: application/pkix-cert\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\n";
  auto got = en::https_request(*url, trust, "POST", headers, en::build_form_data(boundary, parts));
  if (!got) return unexpected(fail(kEnrollExitFailed, "enrollment: " + got.error()));
  if (got->status == 403) {
    std::string token = got->body.substr(0, got->body.find_first_of("\r\n")).substr(0, 64);
    EnrollClientResult r = fail(kEnrollExitFailed, "enrollment refused: " + token);
    r.refusal = token;
    return unexpected(std::move(r));
  }
  if (got->status != 200) return unexpected(fail(kEnrollExitFailed, "enrollment: HTTP " + std::to_string(got->status)));
  auto cert = sec::Certificate::from_der(as_bytes(got->body), f.config.instance_name);
  if (!cert) return unexpected(fail(kEnrollExitFailed, "issued certificate: " + cert.error()));
  std::vector<sec::RootCertificate> roots;
  for (const Bytes& der : f.config.root_certs) {
    if (auto r = sec::RootCertificate::from_der(der)) roots.push_back(std::move(r).value());
  }
  auto chain = cert->verify_chain(roots, now());  // §11.3: MUST chain back to a root-cert
  if (!chain) return unexpected(fail(kEnrollExitFailed, "issued certificate: " + chain.error()));
  if (EVP_PKEY_eq(cert->public_key(), key.get()) != 1) {
    return unexpected(fail(kEnrollExitFailed, "issued certificate is not for our key"));
  }
  return std::move(cert).value();
}

EnrollClientResult check(const EnrollClientOptions& o) {
  if (o.ca_file.empty() == o.fingerprint.empty()) {
    return fail(kEnrollExitUsage, "give exactly one of --enroll-ca and --enroll-fingerprint");
  }
  if (o.user.empty() || o.password.empty()) return fail(kEnrollExitUsage, "user and password must not be empty");
  if (o.node_ids < 1 || o.node_ids > sec::kMaxNodeIdsPerCertificate) return fail(kEnrollExitUsage, "--node-ids must be 1..16");
  fs::path dir(o.data_dir);
  for (const char* name : {"node.key", "node.crt", "ca.crt", "reload-config.xml"}) {
    if (fs::exists(dir / name)) return fail(kEnrollExitUsage, "'" + (dir / name).string() + "' exists (already enrolled?)");
  }
  return fail(kEnrollExitOk, "");
}

}  // namespace

EnrollClientResult run_enroll_client(const EnrollClientOptions& o) {
  if (auto c = check(o); c.exit_code != kEnrollExitOk) return c;
  auto url = en::parse_https_url(o.url);
  if (!url) return fail(kEnrollExitUsage, "--url: " + url.error());
  en::HttpsTrust trust{o.ca_file, o.fingerprint};
  auto fetched = fetch_config(o, *url, trust);
  if (!fetched) return fetched.error();
  auto key = sec::PrivateKey::generate(o.ec_key ? sec::KeyType::ec_p256 : sec::KeyType::rsa2048);
  if (!key) return fail(kEnrollExitFailed, key.error());
  auto cert = post_csr(o, *fetched, trust, *key);
  if (!cert) return cert.error();
  auto key_pem = key->to_pem();
  auto cert_pem = cert->to_pem();
  auto root_pem = sec::der_certificate_to_pem(fetched->config.root_certs.front());
  if (!key_pem || !cert_pem || !root_pem) return fail(kEnrollExitFailed, "cannot encode PEM");
  std::error_code ec;
  if (fs::create_directories(o.data_dir, ec)) fs::permissions(o.data_dir, fs::perms::owner_all, ec);
  if (ec) return fail(kEnrollExitFailed, "--data-dir: " + ec.message());
  fs::path dir(o.data_dir);
  const sec::NewFile files[] = {{dir / "node.key", *key_pem, 0600},
                                {dir / "node.crt", *cert_pem, 0644},
                                {dir / "ca.crt", *root_pem, 0644},
                                {dir / "reload-config.xml", as_bytes(fetched->text), 0644}};
  auto written = sec::write_new_files(files);
  if (!written) return fail(kEnrollExitFailed, written.error());
  EnrollClientResult r;
  r.exit_code = kEnrollExitOk;
  r.user = cert->user();
  for (const auto& id : cert->node_ids()) r.node_ids.push_back(sec::node_id_hex(id));
  return r;
}

namespace {

// One phone's certificate for the gateway's key, written as <dir>/<user@domain>.{crt,key}.
EnrollClientResult enroll_phone(const EnrollClientOptions& o, const Fetched& f, const en::HttpsTrust& trust,
                                const sec::PrivateKey& key, std::string_view node_cert_pem) {
  auto cert = post_csr(o, f, trust, key, node_cert_pem);
  if (!cert) return cert.error();
  // The file is named after the certificate's user: it must be this phone's, user@domain.
  if (!cert->user().starts_with(o.user + "@") || cert->user().find('/') != std::string::npos) {
    return fail(kEnrollExitFailed, "issued certificate is for '" + cert->user() + "', not " + o.user + "@...");
  }
  auto pem = cert->to_pem();
  auto key_pem = key.to_pem();
  if (!pem || !key_pem) return fail(kEnrollExitFailed, "cannot encode PEM");
  std::string prefix = (fs::path(o.data_dir) / cert->user()).string();
  const sec::NewFile files[] = {{prefix + ".key", *key_pem, 0600}, {prefix + ".crt", *pem, 0644}};
  auto written = sec::write_new_files(files);
  if (!written) return fail(kEnrollExitFailed, written.error());
  EnrollClientResult r = fail(kEnrollExitOk, "");
  r.user = cert->user();
  return r;
}

// What fails every phone at once: the document, the gateway's own files.
Expected<Fetched, EnrollClientResult> phone_setup(const EnrollClientOptions& o, const en::HttpsTrust& trust) {
  auto url = en::parse_https_url(o.url);
  if (!url) return unexpected(fail(kEnrollExitUsage, "url: " + url.error()));
  return fetch_config(o, *url, trust);
}

}  // namespace

std::vector<PhoneEnrollment> enroll_phones(const EnrollClientOptions& o, const std::string& node_cert,
                                           const std::string& node_key, const std::vector<PhoneCredentials>& phones) {
  std::vector<PhoneEnrollment> out;
  en::HttpsTrust trust{o.ca_file, o.fingerprint};
  auto fetched = phone_setup(o, trust);
  auto key = sec::PrivateKey::load(node_key);
  auto cert_pem = sec::read_file(node_cert);
  for (const PhoneCredentials& phone : phones) {
    EnrollClientOptions one = o;
    one.user = phone.user;
    one.password = phone.password;
    if (!fetched) {
      out.push_back({phone.user, fetched.error()});
    } else if (!key || !cert_pem) {
      out.push_back({phone.user, fail(kEnrollExitFailed, !key ? key.error() : cert_pem.error())});
    } else {
      out.push_back({phone.user, enroll_phone(one, *fetched, trust, *key, to_string(*cert_pem))});
    }
  }
  return out;
}

}  // namespace p2psip::overlay
