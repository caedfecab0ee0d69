#pragma once
// The Certificate Store Usage (RFC 6940 §8) for a node's own certificate: "A user/node MUST
// store its certificate at Resource-IDs derived from two Resource Names: the user name in the
// certificate, the Node-ID in the certificate" (CERTIFICATE_BY_USER, CERTIFICATE_BY_NODE; both
// arrays). Asynchronous over a RequestSender and free of I/O of its own (time comes in).
//
// One publication Fetches each array and Stores the certificate where the array already holds
// it (a refresh replaces its own entry) or at its end (index 0xffffffff: "New certificates are
// stored at the end of the list", so an old and a new certificate, or the certificates of a
// user's several nodes, sit side by side). Both are signed by the node's certificate, which
// passes NODE-MATCH at H(Node-ID) and USER-MATCH at H(user name) (§7.3).
//
// poll() runs the schedule: publish when due; after a success the next publication is due at
// refresh_fraction of the lifetime, after a failure after retry_delay (doubling up to
// max_retry_delay). One publication at a time. The first publication waits `settle` after the
// first poll() and until the node's neighbours have not changed for `settle` (ring_changed()),
// at most max_settle after the first of these: a joining node's neighbourhood moves for a
// while, and replica Stores sent meanwhile are refused by holders that do not know the sender
// yet (§7.4.1.1's replica-sender rule). The publisher must outlive its callbacks (the
// sender's), or be destroyed after the sender has dropped them.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "overlay/security/certificate.h"
#include "overlay/storage/signing.h"
#include "overlay/usage/request_sender.h"
#include "overlay/wire/bodies_storage.h"

namespace p2psip::usage {

struct CertificatePlacement {
  wire::ResourceId resource;
  wire::KindId kind = 0;
  friend bool operator==(const CertificatePlacement&, const CertificatePlacement&) = default;
};

// CERTIFICATE_BY_NODE at H(Node-ID) for each Node-ID of the certificate ("the certificate for a
// peer is not stored at its Node-ID but rather at a hash of its Node-ID"), CERTIFICATE_BY_USER
// at H(user name) when it names one.
std::vector<CertificatePlacement> certificate_placements(const security::Certificate& cert);

// Where to store `der` in the array a Fetch returned for `kind`: the index of an entry holding
// exactly these bytes, else the end (storage::kArrayAppendIndex).
std::uint32_t certificate_index(const wire::FetchAns& fetched, wire::KindId kind, ByteView der);

struct PublisherConfig {
  std::uint32_t lifetime_s = 3600;
  double refresh_fraction = 2.0 / 3.0;
  Millis retry_delay{5000};
  Millis max_retry_delay{300000};
  Millis settle{5000};
  Millis max_settle{60000};
};

class CertificatePublisher {
 public:
  using Done = std::function<void(bool ok)>;

  // `signer` signs as the certificate's node; `certificate` is its DER, stored and carried in
  // each Store's security block.
  CertificatePublisher(RequestSender& sender, std::shared_ptr<storage::DataSigner> signer,
                       wire::GenericCertificate certificate,
                       std::vector<CertificatePlacement> placements, PublisherConfig config = {});
  ~CertificatePublisher();
  CertificatePublisher(const CertificatePublisher&) = delete;
  CertificatePublisher& operator=(const CertificatePublisher&) = delete;

  // Starts a publication when one is due and none is under way (monotonic `now`, Unix `now_ms`
  // for storage_time); `done`, if given, runs when that publication ends.
  bool poll(Millis now, std::uint64_t now_ms, Done done = {});
  // The node's certificate was renewed (same Node-IDs and user, so the same placements): from
  // now on `signer` signs and `certificate` is stored, at the end of each array beside the old
  // one (§8), which expires with its lifetime. Due at once; after the one under way, if any.
  void replace(std::shared_ptr<storage::DataSigner> signer, wire::GenericCertificate certificate,
               Millis now);
  // The node's neighbour set changed at `now` (its join included).
  void ring_changed(Millis now);
  // When poll() next has work; nullopt while a publication is under way.
  std::optional<Millis> next_deadline() const;
  bool stored() const { return stored_; }
  std::uint64_t publications() const { return publications_; }

 private:
  void publish_at(const CertificatePlacement& p, std::uint64_t storage_time,
                  std::function<void(bool)> done);
  void store_at(const CertificatePlacement& p, std::uint32_t index, std::uint64_t storage_time,
                std::function<void(bool)> done);
  void finished(bool ok, Millis now);

  RequestSender& sender_;
  std::shared_ptr<storage::DataSigner> signer_;
  wire::GenericCertificate certificate_;
  std::vector<CertificatePlacement> placements_;
  PublisherConfig config_;
  Millis next_{0};
  std::optional<Millis> first_change_;  // before the first publication: settling since
  Millis backoff_{0};
  bool in_flight_ = false;
  bool again_ = false;  // replaced while a publication was under way: publish once more
  bool stored_ = false;
  std::uint64_t publications_ = 0;
  std::uint64_t last_storage_time_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace p2psip::usage
