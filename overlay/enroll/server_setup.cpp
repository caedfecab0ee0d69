#include "overlay/enroll/server_setup.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>

#include "overlay/enroll/config_document.h"
#include "overlay/enroll/config_revision.h"
#include "overlay/enroll/server_certificate.h"
#include "overlay/security/ca_dir.h"
#include "overlay/security/files.h"

namespace p2psip::enroll {

namespace {

namespace sec = p2psip::security;
using overlay::kEnrollExitFailed;

SetupError usage(std::string m) { return {std::move(m), overlay::kEnrollExitUsage}; }
SetupError failed(std::string m) { return {std::move(m), kEnrollExitFailed}; }

std::string authority_of(const std::string& host, unsigned port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Expected<void, SetupError> check_options(const overlay::EnrollServerOptions& o, ServerSetup& s) {
  if (!sec::is_valid_overlay_name(o.overlay)) return unexpected(usage("--overlay: '" + o.overlay + "' is not a valid overlay name"));
  s.policy.domain = o.domain.empty() ? o.overlay : o.domain;
  if (!sec::is_valid_overlay_name(s.policy.domain)) return unexpected(usage("--domain: '" + s.policy.domain + "' is not a valid domain"));
  if (o.users.empty()) return unexpected(usage("--users: the file names no user"));
  for (const auto& [user, password] : o.users) {
    if (!sec::is_valid_user_name(user + "@" + s.policy.domain)) {
      return unexpected(usage("--users: '" + user + "@" + s.policy.domain + "' is not a valid user name"));
    }
    s.users.emplace(user, password);
  }
  if (o.sequence > kMaxConfigSequence) return unexpected(usage("--sequence must be 0..65534"));
  if (o.certificate_days < 1 || o.certificate_days > sec::kMaxDays) return unexpected(usage("bad certificate days"));
  s.policy.days = o.certificate_days;
  if (o.certificate_seconds < 0 || o.certificate_seconds > 86400) return unexpected(usage("bad certificate seconds"));
  s.policy.seconds = o.certificate_seconds;
  return {};
}

// DIR/config-signer.{crt,key}: made on first start, then reused.
Expected<std::pair<sec::Certificate, sec::PrivateKey>, SetupError> signer(const overlay::EnrollServerOptions& o,
                                                                        const std::string& domain) {
  std::filesystem::path prefix = std::filesystem::path(o.ca_dir) / "config-signer";
  std::filesystem::path crt = prefix.string() + ".crt", key = prefix.string() + ".key";
  if (!std::filesystem::exists(crt) && !std::filesystem::exists(key)) {
    sec::CaIssueOptions issue{o.ca_dir, "config-signer@" + domain, {}, sec::KeyType::ec_p256, 3650, prefix};
    auto made = sec::issue_to_files(issue, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    if (!made) return unexpected(failed("configuration signer: " + made.error().message));
  }
  auto cert = sec::Certificate::load(crt, o.overlay);
  auto k = sec::PrivateKey::load(key);
  if (!cert) return unexpected(failed("configuration signer: " + cert.error()));
  if (!k) return unexpected(failed("configuration signer: " + k.error()));
  return std::make_pair(std::move(cert).value(), std::move(k).value());
}

Expected<sec::SslCtxPtr, SetupError> tls_context(const overlay::EnrollServerOptions& o, const sec::CertificateAuthority& ca,
                                                 sec::SysSeconds now) {
  if (o.tls_cert.empty() != o.tls_key.empty()) return unexpected(usage("--tls-cert and --tls-key go together"));
  if (o.tls_cert.empty()) {
    auto creds = issue_server_certificate(ca, o.listen.host, 30, now);
    if (!creds) return unexpected(failed("HTTPS certificate: " + creds.error()));
    auto ctx = make_server_tls_context(creds->cert.get(), creds->key.get(), ca.root().x509());
    if (!ctx) return unexpected(failed(ctx.error()));
    return std::move(ctx).value();
  }
  auto pem = sec::read_file(o.tls_cert);
  if (!pem) return unexpected(usage("--tls-cert: " + pem.error()));
  sec::BioPtr bio = sec::memory_bio(*pem);
  sec::X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  auto key = sec::PrivateKey::load(o.tls_key);
  if (!cert) return unexpected(usage("--tls-cert: " + sec::openssl_error("not a PEM certificate")));
  if (!key) return unexpected(usage("--tls-key: " + key.error()));
  auto ctx = make_server_tls_context(cert.get(), key->get(), nullptr);
  if (!ctx) return unexpected(usage(ctx.error()));
  return std::move(ctx).value();
}

Expected<std::vector<sec::NodeId>, std::string> bad_nodes_of(const overlay::EnrollServerOptions& o, const ServerSetup& s) {
  std::vector<sec::NodeId> all = s.option_bad_nodes;
  if (o.bad_nodes_file.empty()) return all;
  auto text = sec::read_file(o.bad_nodes_file);
  if (!text) return unexpected("--bad-nodes-file: " + text.error());
  auto listed = parse_bad_nodes(std::string_view(reinterpret_cast<const char*>(text->data()), text->size()));
  if (!listed) return unexpected("--bad-nodes-file '" + o.bad_nodes_file + "' " + listed.error());
  for (const auto& id : *listed) {
    if (std::find(all.begin(), all.end(), id) == all.end()) all.push_back(id);
  }
  return all;
}

std::vector<std::string> bootstrap_texts(const ConfigDocumentParams& p) {
  std::vector<std::string> out;
  for (const BootstrapNode& b : p.bootstrap_nodes) out.push_back(b.address + " " + std::to_string(b.port));
  return out;
}

// Signs the document of s.params with `bad` as its bad nodes; the sequence follows the last
// one served (config_revision.h), which is saved.
Expected<void, std::string> sign_document(const overlay::EnrollServerOptions& o, ServerSetup& s,
                                          std::vector<sec::NodeId> bad) {
  auto path = config_revision_path(o.ca_dir);
  auto last = load_config_revision(path);
  if (!last) return unexpected(last.error());
  std::string digest = content_digest(bootstrap_texts(s.params), bad);
  ConfigDocumentParams p = s.params;
  p.sequence = choose_sequence(*last, static_cast<std::uint16_t>(o.sequence), digest);
  p.expiration = s.now() + std::chrono::days(o.expiration_days);
  p.bad_nodes = bad;
  auto doc = build_config_document(p, *s.signer_cert, *s.signer_key);
  if (!doc) return unexpected("configuration document: " + doc.error());
  ConfigRevision rev{static_cast<std::uint16_t>(p.sequence), digest};
  if (!*last || !(**last == rev)) {
    if (auto saved = save_config_revision(path, rev); !saved) return unexpected(saved.error());
  }
  s.document = std::move(doc).value();
  s.params = std::move(p);
  s.policy.bad_nodes = std::move(bad);
  return {};
}

Expected<void, SetupError> build_document(const overlay::EnrollServerOptions& o, ServerSetup& s) {
  auto sig = signer(o, s.policy.domain);
  if (!sig) return unexpected(sig.error());
  s.signer_cert.emplace(std::move(sig->first));
  s.signer_key.emplace(std::move(sig->second));
  ConfigDocumentParams& p = s.params;
  p.instance_name = o.overlay;
  // The signed document itself is about 6 KB: a ConfigUpdate (RFC 6940 §6.5.4) must be able to
  // carry it, so enrolled nodes allow messages that large (the RFC's default is 5000).
  p.max_message_size = kEnrolledMaxMessageSize;
  p.root_certs.emplace_back(s.ca->root().der().begin(), s.ca->root().der().end());
  p.enrollment_servers.push_back("https://" + s.authority + "/enroll");
  for (const auto& b : o.bootstrap) p.bootstrap_nodes.push_back({b.host, b.port});
  for (const std::string& hex : o.bad_nodes) {
    auto id = sec::parse_node_id_hex(hex);
    if (!id) return unexpected(usage("--bad-node: '" + hex + "' is not 32 hex digits"));
    s.option_bad_nodes.push_back(*id);
  }
  auto bad = bad_nodes_of(o, s);
  if (!bad) return unexpected(usage(bad.error()));
  auto signed_doc = sign_document(o, s, std::move(bad).value());
  if (!signed_doc) return unexpected(failed(signed_doc.error()));
  return {};
}

}  // namespace

Expected<std::unique_ptr<ServerSetup>, SetupError> prepare_server(const overlay::EnrollServerOptions& o) {
  auto s = std::make_unique<ServerSetup>();
  auto ok = check_options(o, *s);
  if (!ok) return unexpected(ok.error());
  auto ca = sec::load_ca_dir(o.ca_dir);
  if (!ca) return unexpected(SetupError{"--ca-dir: " + ca.error().message, ca.error().exit_code()});
  if (!sec::iequals(ca->overlay(), o.overlay)) {
    return unexpected(usage("--ca-dir holds the CA of overlay '" + ca->overlay() + "', not '" + o.overlay + "'"));
  }
  s->ca.emplace(std::move(ca).value());
  auto ids = load_node_id_map(node_id_store_path(o.ca_dir));
  if (!ids) return unexpected(failed(ids.error()));
  s->node_ids = std::move(ids).value();
  auto ctx = tls_context(o, *s->ca, s->now());
  if (!ctx) return unexpected(ctx.error());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(SSL_CTX_get0_certificate(ctx->get()), EVP_sha256(), md, &md_len) == 1) {
    s->fingerprint = to_hex(ByteView(reinterpret_cast<const std::byte*>(md), md_len));
  }
  auto https = HttpsServer::listen(o.listen.host, o.listen.port, std::move(ctx).value(), HttpsLimits{});
  if (!https) return unexpected(failed(https.error()));
  s->https = std::move(https).value();
  // The document's enrollment-server URL: where the nodes POST (§11.3) after fetching it.
  s->authority = o.advertise.host.empty() ? authority_of(o.listen.host, s->https->port())
                                          : authority_of(o.advertise.host, o.advertise.port);
  auto doc = build_document(o, *s);
  if (!doc) return unexpected(doc.error());
  return s;
}

Expected<bool, std::string> reload_bad_nodes(const overlay::EnrollServerOptions& o, ServerSetup& s) {
  auto bad = bad_nodes_of(o, s);
  if (!bad) return unexpected(bad.error());
  auto sorted = [](std::vector<sec::NodeId> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  if (sorted(*bad) == sorted(s.policy.bad_nodes)) return false;
  auto signed_doc = sign_document(o, s, std::move(bad).value());
  if (!signed_doc) return unexpected(signed_doc.error());
  return true;
}

}  // namespace p2psip::enroll
