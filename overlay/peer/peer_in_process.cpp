// PeerCore, messages that never leave the process. A node that is itself responsible for a
// request's destination (a Fetch of a Resource-ID in its own range, say) sends the request to
// itself and answers itself: both messages go through the loopback queue (send_bytes,
// on_timer) and no other node ever sees them. RFC 6940 §6.3.4's signature lets the nodes that
// receive a message check who sent it; here sender and receiver are this node, so signing
// the request and the answer and verifying both buys nothing (and cost four P-256 operations
// per lookup, most of the CPU of a lookup: bench/RESULTS-security.md). Such messages are built
// with an unsigned SecurityBlock (the signer's identity and certificates, an empty signature
// value) and delivered without verification, the sender being this node.
//
// Only the node's own signature is skipped: a request signed by a RequestSigner (a StoreReq
// carrying a registrant's signature, §7.3) is signed and verified as before, and stored
// values keep their own signatures (§7.1), checked by the storage layer as before.
//
// Nothing unsigned ever reaches a link: bytes built for the loopback that turn out to leave
// after all (a retransmission after the ring changed, a loopback message routed onwards) are
// signed first (seal), giving exactly what build() would have given.
#include <algorithm>

#include "overlay/peer/peer_core.h"

namespace p2psip::peer {

// send_bytes' rule: our own Node-ID, or a destination in our range we have no link to.
bool PeerCore::loops_back(const wire::Destination& first) const {
  auto point = chord::ring_point(first);
  return point && ((first.is_node() && *point == config_.node_id) ||
                   (in_ring() && !conns_.count(*point) && table_.is_responsible(*point)));
}

void PeerCore::secure(wire::Message& m, std::vector<wire::GenericCertificate> certs,
                      const RequestSigner& signer, bool unsigned_local) {
  const wire::ForwardingHeader& h = m.header;
  if (signer) {  // §6.3.4: signed by the request's own signer, with its certificates
    wire::SignerIdentity id = signer.signer->identity();
    m.security.signature =
        signer.signer->sign(wire::signature_input(h.overlay, h.transaction_id, m.contents, id));
    m.security.certificates = signer.certificates;
  } else if (unsigned_local) {
    m.security = wire::SecurityBlock{};
    m.security.signature.identity = signer_.identity();
    m.security.certificates = signer_.certificates();
  } else {
    wire::SignerIdentity id = signer_.identity();
    m.security = signer_.sign(wire::signature_input(h.overlay, h.transaction_id, m.contents, id));
  }
  for (auto& c : certs) {  // certificates are not covered by the signature (§6.3.4)
    bool dup = std::find(m.security.certificates.begin(), m.security.certificates.end(), c) !=
               m.security.certificates.end();
    if (!dup && m.security.certificates.size() < wire::kMaxCertificates) {
      m.security.certificates.push_back(std::move(c));
    }
  }
}

// The signed form of bytes built with unsigned_local: the unsigned block holds the signer's
// certificates followed by the extra ones, so signing again and adding them back in order
// gives the block build() makes. Empty when the bytes do not decode (they always do: ours).
Bytes PeerCore::seal(ByteView unsigned_bytes) {
  auto m = wire::decode_message(unsigned_bytes, params_);
  if (!m) return {};
  std::vector<wire::GenericCertificate> certs = std::move(m->security.certificates);
  secure(*m, std::move(certs), {}, false);
  auto out = wire::encode_message(*m, config_.max_message_size);
  return out ? std::move(*out) : Bytes{};
}

}  // namespace p2psip::peer
