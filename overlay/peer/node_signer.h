#pragma once
// The real MessageSigner of an overlay node (RFC 6940 §6.3.4), on overlay/security.
//
// sign(): RSASSA-PKCS1-v1_5/SHA-256 (or ECDSA P-256/SHA-256 for an EC key) with the node's
// private key; SignerIdentity cert_hash(1) = SHA-256 over the node's DER certificate, or
// cert_hash_node_id(2) = SHA-256 over (Node-ID || DER) when the certificate holds several
// Node-IDs (§6.3.4; the Node-ID is the node's, the certificate's first); the certificate
// itself travels in the SecurityBlock, as §6.3.4 requires ("the certificates needed to verify
// the signature").
//
// verify(): finds the signer's certificate by its SignerIdentity hash (cert_hash or
// cert_hash_node_id) among the certificates it knows (storage::KnownCertificates: seen in
// earlier messages, stored under the §8 certificate kinds, its own) and, failing that, among
// the block's certificates, which it parses as RELOAD certificates of this overlay and checks
// against the overlay roots (and then knows). The signature is checked with the certificate's
// key under the algorithm whitelist of security/algorithms.h. The signer's Node-ID: for
// cert_hash_node_id the Node-ID the hash names; for cert_hash the certificate's, with several
// Node-IDs the one the via list names as the originator (or the first one). Parsing costs about
// 0.3 ms, hence the memory; it is bounded and re-checks chains after kRecheckInterval.

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "overlay/peer/peer_types.h"
#include "overlay/security/algorithms.h"
#include "overlay/security/bad_nodes.h"
#include "overlay/security/certificate.h"
#include "overlay/security/keys.h"
#include "overlay/storage/known_certificates.h"

namespace p2psip::peer {

class NodeSigner final : public MessageSigner {
 public:
  static constexpr std::size_t kMaxCachedCertificates = 4096;
  static constexpr std::chrono::minutes kRecheckInterval{10};

  // `clock` (wall time for certificate validity) must outlive the signer. `known`: the
  // certificates shared with the node's storage (its own are made when not given).
  NodeSigner(security::Certificate cert, security::PrivateKey key,
             std::vector<security::RootCertificate> roots, const Clock& clock,
             std::shared_ptr<storage::KnownCertificates> known = nullptr);

  wire::SignerIdentity identity() const override { return identity_; }
  // Signs with a renewed certificate and key from now on (the caller checked that they hold
  // this node's Node-IDs, RFC 6940 §11.3); the new certificate becomes a known one.
  void replace(security::Certificate cert, security::PrivateKey key);
  wire::SecurityBlock sign(ByteView signature_input) override;
  std::vector<wire::GenericCertificate> certificates() const override;
  std::optional<NodeId> verify(const wire::Message& m) override;
  // On the caller's thread: the certificate lookup (and any parsing and chain check), the
  // bad-node check and the signer's Node-ID; the returned check runs the public-key operation
  // alone, on whatever thread, with its own reference to the certificate.
  SignatureCheck verification(const wire::Message& m) override;

  // Why the last verify() failed ("" after a success); for debug logs and tests.
  const std::string& last_error() const { return last_error_; }
  std::size_t cached_certificates() const { return known_->size(); }
  // The configuration's bad-node entries (RFC 6940 §11.1): a signer certificate they list is
  // refused (and counted there) on every verify. nullptr: none. Must outlive the signer.
  void set_bad_nodes(security::BadNodes* bad_nodes) { bad_nodes_ = bad_nodes; }
  std::uint64_t certificates_parsed() const { return parsed_; }
  const NodeId& node_id() const { return node_id_; }
  const security::Certificate& certificate() const { return cert_; }

 private:
  struct Prepared {  // all verify() needs after the certificate lookup
    storage::KnownCertificates::CertPtr cert;
    security::SignatureAndHash algorithm;
    Bytes input;     // §6.3.4 signature input
    NodeId signer;   // the Node-ID it names when the signature holds
  };
  std::optional<Prepared> prepare(const wire::Message& m);
  storage::KnownCertificates::CertPtr find_certificate(const wire::Message& m);
  std::optional<security::Certificate> check_candidate(const wire::SignerIdentity& id,
                                                       ByteView der);
  std::optional<NodeId> signer_node_id(const security::Certificate& cert,
                                       const wire::Message& m) const;
  std::optional<NodeId> fail(std::string why);
  void derive();  // node_id_, identity_, algorithm_ from cert_ and key_
  std::chrono::sys_seconds now() const;

  security::Certificate cert_;
  security::PrivateKey key_;
  std::vector<security::RootCertificate> roots_;
  const Clock& clock_;
  NodeId node_id_;
  wire::SignerIdentity identity_;
  wire::SignatureAndHashAlgorithm algorithm_;
  std::shared_ptr<storage::KnownCertificates> known_;
  std::uint64_t parsed_ = 0;
  std::string last_error_;
  security::BadNodes* bad_nodes_ = nullptr;
};

// security::NodeId (a plain array) <-> wire::NodeId, at the seam between the modules.
NodeId to_wire(const security::NodeId& id);
security::NodeId to_security(const NodeId& id);

}  // namespace p2psip::peer
