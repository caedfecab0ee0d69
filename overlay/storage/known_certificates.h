#pragma once
// KnownCertificates: the certificates this node can verify a signature with when the message
// does not carry the signer's certificate. RFC 6940 §6.3.4: "In systems that have an
// alternative certificate distribution mechanism, some certificates MAY be omitted"; §8's
// certificate kinds are that mechanism. Filled from (a) the node's own certificate (pinned),
// (b) every certificate a message carried that passed the checks (certificates already seen),
// (c) the CERTIFICATE_BY_NODE / CERTIFICATE_BY_USER values this node stores (responsible or
// replica, replicated_store.h). Only certificates that parse as RELOAD certificates of the
// overlay and chain to one of its roots get in; an entry's chain is checked again when its last
// check is older than `recheck` (expiry, a root gone), and dropped when that fails.
//
// Lookup is by SHA-256 identity (cert_hash, and cert_hash_node_id over each of the
// certificate's Node-IDs), the hash this implementation and the interop node emit; an identity
// with another hash needs its certificate in the message. When the signer's certificate is
// neither in the message nor here, the message's check fails (Error_Forbidden "bad signature"
// for a request, §6.3.4's MUST include makes that the sender's fault): the node does not Fetch
// certificates on a message's behalf.
//
// Bounded: at most `capacity` unpinned entries; the oldest learned goes first. Only holders of
// a certificate of the overlay can add entries, one per certificate the CA issued. Thread-safe.

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "overlay/security/certificate.h"
#include "overlay/storage/data_store.h"
#include "overlay/wire/message.h"

namespace p2psip::storage {

class KnownCertificates {
 public:
  using CertPtr = std::shared_ptr<const security::Certificate>;
  static constexpr std::size_t kDefaultCapacity = 4096;
  static constexpr std::chrono::seconds kDefaultRecheck{600};

  KnownCertificates(std::vector<security::RootCertificate> roots, std::string overlay,
                    std::size_t capacity = kDefaultCapacity,
                    std::chrono::seconds recheck = kDefaultRecheck);

  // Parses and checks `der` at `now`; the certificate when it passed (now known), else null.
  CertPtr learn(ByteView der, security::SysSeconds now);
  // A certificate the caller has already checked at `now` (parsed for the overlay, chained).
  void remember(const security::Certificate& cert, security::SysSeconds now);
  // Known for good: never evicted, never re-checked (the node's own certificate).
  void pin(const security::Certificate& cert);
  // Learns every certificate value (exists, DER) of the certificate kinds in a StoreReq.
  std::size_t learn_stored(const wire::StoreReq& req, security::SysSeconds now);

  // The certificate `id` names (cert_hash / cert_hash_node_id, SHA-256), or null.
  CertPtr find(const wire::SignerIdentity& id, security::SysSeconds now);

  std::size_t size() const;

 private:
  struct Entry {
    CertPtr cert;
    security::SysSeconds checked{};
    bool pinned = false;
  };
  void insert(CertPtr cert, security::SysSeconds now, bool pinned);
  void evict_locked();
  void erase_locked(std::map<Bytes, Entry, BytesLess>::iterator it);

  std::vector<security::RootCertificate> roots_;
  std::string overlay_;
  std::size_t capacity_;
  std::chrono::seconds recheck_;
  mutable std::mutex mutex_;
  std::map<Bytes, Entry, BytesLess> by_hash_;           // SHA-256(DER) -> entry
  std::map<Bytes, Bytes, BytesLess> by_node_hash_;      // SHA-256(Node-ID || DER) -> SHA-256(DER)
  std::deque<Bytes> order_;                             // unpinned, oldest learned first
};

}  // namespace p2psip::storage
