#pragma once
// SIMULATION ONLY - NOT SECURITY. A deterministic stand-in for message signatures so that the
// simulator and unit tests exercise the same verify path without RSA: the SignerIdentity is
// none(3), and signature_value = signer Node-ID (16 bytes) || FNV-1a-64 of the signature input
// salted with that Node-ID. Anyone can forge it. Real peers use overlay/security.

#include "overlay/peer/peer_types.h"

namespace p2psip::peer {

class SimSigner final : public MessageSigner {
 public:
  explicit SimSigner(const NodeId& self) : self_(self) {}
  wire::SignerIdentity identity() const override;
  wire::SecurityBlock sign(ByteView signature_input) override;
  std::optional<NodeId> verify(const wire::Message& m) override;

 private:
  NodeId self_;
};

}  // namespace p2psip::peer
