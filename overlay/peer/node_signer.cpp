#include "overlay/peer/node_signer.h"

#include <algorithm>

#include "overlay/security/signature.h"
#include "overlay/storage/signer_identity.h"

namespace p2psip::peer {

namespace sec = p2psip::security;

NodeId to_wire(const sec::NodeId& id) { return NodeId(id); }
sec::NodeId to_security(const NodeId& id) { return id.bytes(); }

NodeSigner::NodeSigner(sec::Certificate cert, sec::PrivateKey key,
                       std::vector<sec::RootCertificate> roots, const Clock& clock,
                       std::shared_ptr<storage::KnownCertificates> known)
    : cert_(std::move(cert)), key_(std::move(key)), roots_(std::move(roots)), clock_(clock),
      known_(std::move(known)) {
  if (!known_) {
    known_ = std::make_shared<storage::KnownCertificates>(roots_, cert_.overlay(),
                                                          kMaxCachedCertificates,
                                                          kRecheckInterval);
  }
  derive();
}

void NodeSigner::derive() {
  if (!cert_.node_ids().empty()) node_id_ = to_wire(cert_.node_ids().front());
  identity_ = storage::signer_identity(cert_, to_security(node_id_));
  auto alg = sec::default_algorithm(key_.type());
  algorithm_.hash = static_cast<std::uint8_t>(alg.hash);
  algorithm_.signature = static_cast<std::uint8_t>(alg.signature);
}

void NodeSigner::replace(sec::Certificate cert, sec::PrivateKey key) {
  cert_ = std::move(cert);
  key_ = std::move(key);
  derive();
  known_->pin(cert_);
}

std::chrono::sys_seconds NodeSigner::now() const {
  return std::chrono::sys_seconds(
      std::chrono::seconds(static_cast<std::int64_t>(clock_.wall_ms() / 1000)));
}

std::vector<wire::GenericCertificate> NodeSigner::certificates() const {
  return {wire::GenericCertificate{wire::CertificateType::kX509,
                                   Bytes(cert_.der().begin(), cert_.der().end())}};
}

wire::SecurityBlock NodeSigner::sign(ByteView signature_input) {
  wire::SecurityBlock block;
  block.certificates = certificates();
  block.signature.algorithm = algorithm_;
  block.signature.identity = identity_;
  auto alg = sec::default_algorithm(key_.type());
  auto value = sec::sign(key_, alg, signature_input);
  // Signing with our own well-formed key only fails on an OpenSSL fault; an empty signature
  // is then refused by every receiver, which is the safe outcome.
  if (value) block.signature.value = std::move(*value);
  return block;
}

std::optional<NodeId> NodeSigner::fail(std::string why) {
  last_error_ = std::move(why);
  return std::nullopt;
}

std::optional<sec::Certificate> NodeSigner::check_candidate(const wire::SignerIdentity& id,
                                                            ByteView der) {
  auto hash_alg = static_cast<sec::HashAlgorithm>(id.hash_alg);
  if (id.type == wire::SignerIdentityType::kCertHash) {
    auto h = sec::cert_hash(hash_alg, der);
    if (!h || *h != id.hash) return std::nullopt;
  }
  ++parsed_;
  auto cert = sec::Certificate::from_der(der, cert_.overlay());
  if (!cert) {
    last_error_ = "signer certificate: " + cert.error();
    return std::nullopt;
  }
  if (id.type == wire::SignerIdentityType::kCertHashNodeId) {
    bool match = std::any_of(cert->node_ids().begin(), cert->node_ids().end(), [&](auto& n) {
      auto h = sec::cert_hash_node_id(hash_alg, n, der);
      return h && *h == id.hash;
    });
    if (!match) return std::nullopt;
  }
  auto chain = cert->verify_chain(roots_, now());
  if (!chain) {
    last_error_ = "signer certificate does not chain to the overlay root: " + chain.error();
    return std::nullopt;
  }
  return std::move(*cert);
}

storage::KnownCertificates::CertPtr NodeSigner::find_certificate(const wire::Message& m) {
  const wire::SignerIdentity& id = m.security.signature.identity;
  if (auto known = known_->find(id, now())) return known;
  last_error_ = "no certificate in the security block or known to this node matches the signer "
                "identity";
  for (const wire::GenericCertificate& g : m.security.certificates) {
    if (g.type != wire::CertificateType::kX509) continue;
    auto cert = check_candidate(id, g.certificate);
    if (!cert) continue;
    auto ptr = std::make_shared<const sec::Certificate>(std::move(*cert));
    known_->remember(*ptr, now());
    return ptr;
  }
  return nullptr;
}

std::optional<NodeId> NodeSigner::signer_node_id(const sec::Certificate& cert,
                                                 const wire::Message& m) const {
  if (cert.node_ids().empty()) return std::nullopt;
  // §6.3.4: cert_hash_node_id is computed over "the NodeId used to sign".
  if (m.security.signature.identity.type == wire::SignerIdentityType::kCertHashNodeId) {
    auto signing = storage::identity_node_id(m.security.signature.identity, cert);
    if (!signing) return std::nullopt;
    return to_wire(*signing);
  }
  // The originator is the first via-list entry once the message has been forwarded.
  if (!m.header.via_list.empty() && m.header.via_list.front().is_node()) {
    auto via = m.header.via_list.front().node_id();
    if (via && cert.has_node_id(to_security(*via))) return *via;
  }
  return to_wire(cert.node_ids().front());
}

std::optional<NodeSigner::Prepared> NodeSigner::prepare(const wire::Message& m) {
  const wire::Signature& s = m.security.signature;
  if (s.identity.type != wire::SignerIdentityType::kCertHash &&
      s.identity.type != wire::SignerIdentityType::kCertHashNodeId) {
    fail("unsupported signer identity type");
    return std::nullopt;
  }
  if (!sec::identity_hash_accepted(static_cast<sec::HashAlgorithm>(s.identity.hash_alg))) {
    fail("unsupported signer identity hash");
    return std::nullopt;
  }
  auto alg = sec::accepted_signature_algorithm(s.algorithm.hash, s.algorithm.signature);
  if (!alg) {
    fail("unsupported signature algorithm");
    return std::nullopt;
  }
  auto cert = find_certificate(m);
  if (!cert) return std::nullopt;
  if (bad_nodes_ && bad_nodes_->refuse(*cert, sec::BadNodes::Refused::kMessage)) {
    fail("signer certificate is listed as bad-node (RFC 6940 §11.1)");
    return std::nullopt;
  }
  auto id = signer_node_id(*cert, m);
  if (!id) {
    fail("signer certificate has no Node-ID");
    return std::nullopt;
  }
  Bytes input = wire::signature_input(m.header.overlay, m.header.transaction_id, m.contents,
                                      s.identity);
  return Prepared{std::move(cert), *alg, std::move(input), *id};
}

std::optional<NodeId> NodeSigner::verify(const wire::Message& m) {
  auto p = prepare(m);
  if (!p) return std::nullopt;
  auto ok = sec::verify(*p->cert, p->algorithm, p->input, m.security.signature.value);
  if (!ok) return fail("bad signature: " + ok.error());
  last_error_.clear();
  return p->signer;
}

// The check shares nothing mutable with the signer: the certificate is immutable and held by
// its own reference (KnownCertificates may drop it meanwhile), the rest is copied. OpenSSL 3
// allows one EVP_PKEY in concurrent verifications (each makes its own EVP_MD_CTX).
SignatureCheck NodeSigner::verification(const wire::Message& m) {
  auto p = prepare(m);
  if (!p) return [] { return std::optional<NodeId>{}; };
  return [p = std::move(*p), value = m.security.signature.value]() -> std::optional<NodeId> {
    if (!sec::verify(*p.cert, p.algorithm, p.input, value)) return std::nullopt;
    return p.signer;
  };
}

}  // namespace p2psip::peer
