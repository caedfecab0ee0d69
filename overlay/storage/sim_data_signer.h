#pragma once
// SIMULATION ONLY - NOT SECURITY. Stored-data signatures for the simulator and unit tests,
// without certificates: the SignerIdentity is none(3) and the signature value carries the
// signer's user name and Node-ID next to an FNV-1a-64 checksum of the signature input salted
// with them. SimDataVerifier recovers the SignerInfo from it. Anyone can forge it; real
// peers use cert_verifier.h.

#include <string>

#include "overlay/storage/signing.h"

namespace p2psip::storage {

class SimDataSigner final : public DataSigner {
 public:
  SimDataSigner(std::string user, const wire::NodeId& node) : user_(std::move(user)), node_(node) {}
  wire::SignerIdentity identity() const override;
  wire::Signature sign(ByteView input) override;

 private:
  std::string user_;
  wire::NodeId node_;
};

class SimDataVerifier final : public DataVerifier {
 public:
  std::optional<SignerInfo> verify(const wire::Signature& signature, ByteView input) override;
  // The simulator's message signatures (peer/sim_signer.h) carry no user name, and its
  // registrants store through any peer: the StoreReq-signer rule is not simulated.
  bool judges_message_signer() const override { return false; }
};

}  // namespace p2psip::storage
