#include "overlay/enroll/enrollment.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <charconv>

#include "overlay/security/handles.h"

namespace p2psip::enroll {

namespace {

namespace sec = p2psip::security;

constexpr std::size_t kMaxCsrSize = 16 * 1024;
using X509ReqPtr = sec::CHandle<X509_REQ, X509_REQ_free>;

struct ExtensionStackFree {
  void operator()(STACK_OF(X509_EXTENSION)* s) const noexcept {
    sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
  }
};

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

X509ReqPtr parse_csr(std::string_view text) {
  if (text.size() > kMaxCsrSize) return nullptr;
  if (text.starts_with("-----BEGIN")) {
    sec::BioPtr bio = sec::memory_bio(as_bytes(text));
    return X509ReqPtr(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  }
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(text.size())));
  if (req && p != reinterpret_cast<const unsigned char*>(text.data()) + text.size()) return nullptr;
  return req;
}

// Every rfc822Name the CSR's requested subjectAltName holds.
std::vector<std::string> requested_user_names(X509_REQ* req) {
  std::vector<std::string> out;
  std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionStackFree> exts(X509_REQ_get_extensions(req));
  if (!exts) return out;
  sec::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(exts.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type != GEN_EMAIL) continue;
    const ASN1_IA5STRING* s = n->d.rfc822Name;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
  }
  return out;
}

std::optional<std::size_t> node_id_count(const std::optional<std::string>& text) {
  if (!text) return 1;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  if (n < 1 || n > sec::kMaxNodeIdsPerCertificate) return std::nullopt;
  return n;
}

// The Node-IDs of a node certificate of this CA whose key is the CSR's (the extension in
// enrollment.h); nullopt when it is not one.
std::optional<std::vector<sec::NodeId>> delegated_node_ids(const std::string& text, EVP_PKEY* csr_key,
                                                           const sec::CertificateAuthority& ca,
                                                           sec::SysSeconds now) {
  auto cert = text.starts_with("-----BEGIN") ? sec::Certificate::from_pem(as_bytes(text), ca.overlay())
                                             : sec::Certificate::from_der(as_bytes(text), ca.overlay());
  if (!cert || !cert->verify_chain(ca.root(), now) || EVP_PKEY_eq(cert->public_key(), csr_key) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return cert->node_ids();
}

Expected<Granted, Refusal> certify(Granted& g, EVP_PKEY* key, const sec::CertificateAuthority& ca,
                                   const EnrollPolicy& policy, sec::SysSeconds now) {
  sec::IssueRequest issue{g.user, g.node_ids, sec::KeyType::rsa2048, policy.days, policy.seconds};
  auto der = ca.certify(key, issue, now);
  if (!der) return unexpected(Refusal::internal_error);
  g.certificate_der = std::move(der).value();
  return std::move(g);
}

}  // namespace

std::string_view refusal_token(Refusal r) {
  switch (r) {
    case Refusal::failed_authentication: return "failed_authentication";
    case Refusal::username_not_available: return "username_not_available";
    case Refusal::node_ids_not_available: return "Node-IDs_not_available";
    case Refusal::bad_csr: return "bad_CSR";
    case Refusal::internal_error: break;
  }
  return "internal_error";
}

Expected<Granted, Refusal> decide_enrollment(const EnrollRequest& request, const Users& users,
                                             const std::vector<sec::NodeId>& remembered,
                                             const NodeIdSource& random_id,
                                             const sec::CertificateAuthority& ca,
                                             const EnrollPolicy& policy, sec::SysSeconds now) {
  auto user = users.find(request.username);
  if (user == users.end() || !same_secret(user->second, request.password)) {
    return unexpected(Refusal::failed_authentication);
  }
  auto count = node_id_count(request.nodeids);
  if (!count) return unexpected(Refusal::node_ids_not_available);
  if (!request.csr_content_type.empty() && request.csr_content_type != "application/pkcs10") {
    return unexpected(Refusal::bad_csr);
  }
  X509ReqPtr req = parse_csr(request.csr);
  EVP_PKEY* key = req ? X509_REQ_get0_pubkey(req.get()) : nullptr;
  if (!key || X509_REQ_verify(req.get(), key) != 1 || !sec::classify_key(key)) {
    ERR_clear_error();
    return unexpected(Refusal::bad_csr);
  }
  Granted g;
  g.user = request.username + "@" + policy.domain;
  if (!sec::is_valid_user_name(g.user)) return unexpected(Refusal::username_not_available);
  for (const std::string& asked : requested_user_names(req.get())) {
    if (asked != g.user) return unexpected(Refusal::username_not_available);
  }
  if (!request.node_certificate.empty()) {
    auto ids = delegated_node_ids(request.node_certificate, key, ca, now);
    bool bad = ids && std::any_of(ids->begin(), ids->end(), [&](const sec::NodeId& id) {
      return std::find(policy.bad_nodes.begin(), policy.bad_nodes.end(), id) != policy.bad_nodes.end();
    });
    if (!ids || bad) return unexpected(Refusal::node_ids_not_available);
    g.node_ids = *ids;
    g.remembered = remembered;
    return certify(g, key, ca, policy, now);
  }
  for (const sec::NodeId& id : remembered) {
    if (std::find(policy.bad_nodes.begin(), policy.bad_nodes.end(), id) == policy.bad_nodes.end()) {
      g.remembered.push_back(id);
    }
  }
  while (g.remembered.size() < *count) {
    auto id = random_id();
    if (!id) return unexpected(Refusal::internal_error);
    g.remembered.push_back(*id);
  }
  g.node_ids.assign(g.remembered.begin(), g.remembered.begin() + static_cast<long>(*count));
  return certify(g, key, ca, policy, now);
}

}  // namespace p2psip::enroll
