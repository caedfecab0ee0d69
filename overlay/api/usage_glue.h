#pragma once
// The SIP usage (overlay/usage) on a real peer::Node: the RequestSender over Node's
// send_request, the verifier factory that trusts an answer's certificates only when they
// chain to the overlay's roots (and its twin that warms the same memos on the Node's verify
// worker), and the registrant made from the node's own credentials.

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "overlay/peer/node.h"
#include "overlay/security/certificate.h"
#include "overlay/usage/request_sender.h"
#include "overlay/usage/sip_usage_client.h"

namespace p2psip::storage {
class VerifiedCertificateCache;
class SignatureMemo;
}  // namespace p2psip::storage

namespace p2psip::overlay {

class NodeRequestSender final : public usage::RequestSender {
 public:
  explicit NodeRequestSender(peer::Node& node) : node_(node) {}
  void send(const wire::ResourceId& resource, wire::MessageCode code, Bytes body,
            storage::RequestSigner signer, usage::AnswerCallback done) override;

 private:
  peer::Node& node_;
};

// Copies of the roots (the Node takes the credentials' own).
std::vector<security::RootCertificate> copy_roots(
    const std::vector<security::RootCertificate>& roots);

// Certificates of an answer -> a CertificateVerifier over those that are RELOAD certificates
// of `overlay` chaining to `roots` at the clock's wall time; with `bad_nodes` (which must
// outlive the factory), signers a bad-node entry lists are refused (storage/bad_node_filter.h).
usage::VerifierFactory chain_verifier(std::vector<security::RootCertificate> roots,
                                      std::string overlay, const Clock& clock,
                                      security::BadNodes* bad_nodes = nullptr);

// chain_verifier's factory and a second one over the same roots, certificate cache and
// signature memo, for the Node's worker thread (prewarm_fetch_answers). The two memos are
// thread-safe (storage/timed_memo.h). `prewarm` leaves the bad-node filter out: the loop
// replaces the BadNodes list, and the filter memoizes nothing (lookup applies it, memo or
// not, so what prewarm puts in changes no lookup's outcome). Both read clock.wall_ms(), prewarm
// on the worker: the clock must be safe to read from another thread (SystemClock is; a
// ManualClock only while nobody moves it).
struct ChainVerifiers {
  usage::VerifierFactory lookup;
  usage::VerifierFactory prewarm;
  std::shared_ptr<storage::VerifiedCertificateCache> certificates;  // shared by both
  std::shared_ptr<storage::SignatureMemo> signatures;               // shared by both
};
ChainVerifiers chain_verifiers(std::vector<security::RootCertificate> roots, std::string overlay,
                               const Clock& clock, security::BadNodes* bad_nodes = nullptr);

// The Node's after-verified hook (peer::Node::set_after_verified), run on its worker thread:
// a FetchAns to a Fetch of ours at a Resource-ID has its SIP-REGISTRATION values verified by
// `prewarm` (usage::preverify_registrations) with the certificates its security block carried,
// results discarded. The loop's verification of the same answer (SipUsageClient::lookup, same
// certificates, same values) then hits the cache and memo instead of parsing, chaining and
// verifying: a pre-computation only, what the loop decides is unchanged.
peer::VerifyWorker::AfterVerified prewarm_fetch_answers(usage::VerifierFactory prewarm);

// The node's certificate and key as a registrant (its Node-ID keys the dictionary entry; its
// user name is the only AoR it can register under USER-NODE-MATCH).
Expected<usage::Registrant, std::string> make_registrant(const peer::NodeCredentials& c);

}  // namespace p2psip::overlay
