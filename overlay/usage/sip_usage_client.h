#pragma once
// SipUsageClient: SIP-REGISTRATION (RFC 7904) operations over a RequestSender, asynchronous
// and free of I/O of its own (time comes in with each call). Used by `p2psip register`,
// `p2psip lookup`, `p2psip peer --register` and the gateway's registrations.
//
//   store(registrant, aor, value, lifetime, now_ms, done)   Store of Kind 1, one dictionary
//                                                           entry keyed by the registrant's
//                                                           Node-ID; the value and the
//                                                           StoreReq itself signed by it
//                                                           (RFC 6940 §7.3)
//   remove(registrant, aor, lifetime, now_ms, done)         the same entry with exists=false
//   lookup(aor, done)                                       Fetch of Kind 1 with no keys,
//                                                           following uri-form indirection
//
// A lookup trusts nothing the answering peer says: each value's stored-data signature is
// checked against the certificates the answer carried (VerifierFactory, which also checks
// they chain to the overlay's root) and its signer must pass USER-NODE-MATCH for that AoR;
// other values are dropped and counted in Resolution::rejected_values.
//
// Callbacks run from the sender's callbacks. The client must outlive its pending operations.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "overlay/storage/signing.h"
#include "overlay/usage/aor_walk.h"
#include "overlay/usage/request_sender.h"
#include "overlay/usage/sip_usage.h"

namespace p2psip::usage {

// Who stores: the Node-ID that becomes the dictionary key, a signer whose certificate holds
// that Node-ID and the AoR's user name, and that certificate (DER) for the security block. It
// signs the stored values and the StoreReq that carries them (§7.3), whichever node sends it.
struct Registrant {
  wire::NodeId node;
  std::shared_ptr<storage::DataSigner> signer;
  std::vector<wire::GenericCertificate> certificates;
};

// A verifier over the certificates an answer carried (checked against the overlay's roots).
using VerifierFactory = std::function<std::unique_ptr<storage::DataVerifier>(
    std::span<const wire::GenericCertificate> certificates)>;

struct UsageConfig {
  std::string overlay_domain;  // AoRs of this domain are overlay AoRs (indirection)
  std::size_t max_indirection = kDefaultMaxIndirection;
};

class SipUsageClient {
 public:
  using StoreDone = std::function<void(Expected<void, UsageError>)>;
  using LookupDone = std::function<void(Expected<Resolution, UsageError>)>;

  SipUsageClient(RequestSender& sender, VerifierFactory verifiers, UsageConfig config);

  void store(const Registrant& who, std::string_view aor, const wire::SipRegistration& value,
             std::uint32_t lifetime_s, std::uint64_t now_ms, StoreDone done);
  void remove(const Registrant& who, std::string_view aor, std::uint32_t lifetime_s,
              std::uint64_t now_ms, StoreDone done);
  // An error only when the first fetch fails; failures further down the indirection chain
  // are counted in Resolution::failed_lookups.
  void lookup(std::string_view aor, LookupDone done);

  const UsageConfig& config() const { return config_; }

 private:
  struct Lookup;
  void send_store(const Registrant& who, const wire::ResourceId& resource,
                  wire::StoreKindData kd, StoreDone done);
  void step(std::shared_ptr<Lookup> l);
  std::uint64_t storage_time(std::uint64_t now_ms);

  RequestSender& sender_;
  VerifierFactory verifiers_;
  UsageConfig config_;
  std::uint64_t last_storage_time_ = 0;
};

// The Kind 1 values of a FetchAns body that verify and pass USER-NODE-MATCH for `aor`
// (normalised); `rejected` counts the others. Pure; exposed for tests and tools.
std::vector<wire::SipRegistration> verified_registrations(const wire::FetchAns& answer,
                                                          std::string_view aor,
                                                          storage::DataVerifier& verifier,
                                                          std::size_t& rejected);

// Runs `verifier` over the signatures verified_registrations() would check in a FetchAns body
// for `resource` (the Fetch's Resource-ID, whatever the AoR) and discards the results: with a
// verifier that memoizes (overlay/api/usage_glue.h), the later verified_registrations() of the
// same answer then finds its certificates and signatures there. Nothing else happens; an
// undecodable body is ignored. On any thread, if the verifier's state may be used there.
void preverify_registrations(ByteView fetch_ans_body, const wire::ResourceId& resource,
                             storage::DataVerifier& verifier);

}  // namespace p2psip::usage
