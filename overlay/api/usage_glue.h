#pragma once
// The SIP usage (overlay/usage) on a real peer::Node: the RequestSender over Node's
// send_request, the verifier factory that trusts an answer's certificates only when they
// chain to the overlay's roots, and the registrant made from the node's own credentials.

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "overlay/peer/node.h"
#include "overlay/security/certificate.h"
#include "overlay/usage/request_sender.h"
#include "overlay/usage/sip_usage_client.h"

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

// The node's certificate and key as a registrant (its Node-ID keys the dictionary entry; its
// user name is the only AoR it can register under USER-NODE-MATCH).
Expected<usage::Registrant, std::string> make_registrant(const peer::NodeCredentials& c);

}  // namespace p2psip::overlay
