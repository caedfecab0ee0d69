#pragma once
// The real signer of wire_samples: a fresh overlay CA (RSA-2048) issues a RELOAD certificate
// (§11.3) for Node-ID 5a5a...5a and alice@p2p.example.com; messages are signed by the node's
// own NodeSigner and stored data by the storage CertificateSigner, exactly as `p2psip peer`
// signs them. check() verifies every sample again the way a receiving peer does.

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "overlay/peer/node_signer.h"
#include "overlay/security/ca.h"
#include "overlay/storage/cert_verifier.h"
#include "tests/integration/wire/wire_samples.h"

namespace p2psip::wire {

class NodeSampleSigner final : public SampleSigner {
 public:
  // nullptr (with the reason on stderr) when OpenSSL cannot make the CA or the certificate.
  static std::unique_ptr<NodeSampleSigner> create();

  SecurityBlock sign_message(ByteView signature_input) override;
  Signature sign_data(ByteView stored_data_input) override;
  SignerIdentity identity() const override { return node_.identity(); }

  // Decodes each sample and its body, verifies its message signature (chain to the CA root
  // included) and every stored-data signature of store_req and fetch_ans; "" when all hold,
  // else why not.
  std::string check(const std::vector<Sample>& samples);

 private:
  NodeSampleSigner(security::RootCertificate root, security::Certificate cert,
                   security::PrivateKey node_key, security::PrivateKey data_key);

  SystemClock clock_;
  security::RootCertificate root_;
  security::Certificate cert_;
  peer::NodeSigner node_;
  storage::CertificateSigner data_;
};

}  // namespace p2psip::wire
