#pragma once
// The real MessageSigner of an overlay node (RFC 6940 §6.3.4), on overlay/security.
//
// sign(): RSASSA-PKCS1-v1_5/SHA-256 (or ECDSA P-256/SHA-256 for an EC key) with the node's
// private key; SignerIdentity cert_hash(1) = SHA-256 over the node's DER certificate; the
// certificate itself travels in the SecurityBlock, as §6.3.4 requires ("the certificates
// needed to verify the signature").
//
// verify(): finds the signer's certificate by its SignerIdentity hash (cert_hash or
// cert_hash_node_id) among the block's certificates, parses it as a RELOAD certificate of
// this overlay, checks that it chains to one of the overlay roots, and checks the signature
// with its key under the algorithm whitelist of security/algorithms.h. The signer's Node-ID
// is the certificate's; with several Node-IDs, the one the via list names as the originator
// (or the first one). Parsed and chain-checked certificates are cached by hash (parsing costs
// about 0.3 ms); a cached entry is re-checked after kRecheckInterval and the cache is bounded.

#include <chrono>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "overlay/peer/peer_types.h"
#include "overlay/security/bad_nodes.h"
#include "overlay/security/certificate.h"
#include "overlay/security/keys.h"

namespace p2psip::peer {

class NodeSigner final : public MessageSigner {
 public:
  static constexpr std::size_t kMaxCachedCertificates = 4096;
  static constexpr std::chrono::minutes kRecheckInterval{10};

  // `clock` (wall time for certificate validity) must outlive the signer.
  NodeSigner(security::Certificate cert, security::PrivateKey key,
             std::vector<security::RootCertificate> roots, const Clock& clock);

  wire::SignerIdentity identity() const override { return identity_; }
  wire::SecurityBlock sign(ByteView signature_input) override;
  std::optional<NodeId> verify(const wire::Message& m) override;

  // Why the last verify() failed ("" after a success); for debug logs and tests.
  const std::string& last_error() const { return last_error_; }
  std::size_t cached_certificates() const { return cache_.size(); }
  // The configuration's bad-node entries (RFC 6940 §11.1): a signer certificate they list is
  // refused (and counted there) on every verify. nullptr: none. Must outlive the signer.
  void set_bad_nodes(security::BadNodes* bad_nodes) { bad_nodes_ = bad_nodes; }
  std::uint64_t certificates_parsed() const { return parsed_; }
  const NodeId& node_id() const { return node_id_; }

 private:
  struct Cached {
    security::Certificate cert;
    std::chrono::sys_seconds checked_at;
  };
  using CacheKey = std::pair<std::uint8_t, Bytes>;  // (identity type, hash)

  const security::Certificate* find_certificate(const wire::Message& m);
  std::optional<security::Certificate> check_candidate(const wire::SignerIdentity& id,
                                                       ByteView der);
  std::optional<NodeId> signer_node_id(const security::Certificate& cert,
                                       const wire::Message& m) const;
  std::optional<NodeId> fail(std::string why);
  std::chrono::sys_seconds now() const;

  security::Certificate cert_;
  security::PrivateKey key_;
  std::vector<security::RootCertificate> roots_;
  const Clock& clock_;
  NodeId node_id_;
  wire::SignerIdentity identity_;
  wire::SignatureAndHashAlgorithm algorithm_;
  std::map<CacheKey, Cached> cache_;
  std::uint64_t parsed_ = 0;
  std::string last_error_;
  security::BadNodes* bad_nodes_ = nullptr;
};

// security::NodeId (a plain array) <-> wire::NodeId, at the seam between the modules.
NodeId to_wire(const security::NodeId& id);
security::NodeId to_security(const NodeId& id);

}  // namespace p2psip::peer
