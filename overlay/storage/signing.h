#pragma once
// Stored-data signatures (RFC 6940 §7.1) behind two small interfaces, so the storage core
// stays free of certificate handling: a DataSigner signs what a storer writes, a DataVerifier
// checks a signature and says who made it. cert_verifier.h implements both on
// overlay/security; tests may use it with real keys or write their own.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/message.h"
#include "overlay/wire/storage_types.h"

namespace p2psip::storage {

// The identity a verified signature belongs to (from the signer's certificate).
struct SignerInfo {
  std::string user;                   // rfc822Name
  std::vector<wire::NodeId> node_ids; // every Node-ID of the certificate
  friend bool operator==(const SignerInfo&, const SignerInfo&) = default;
};

class DataVerifier {
 public:
  virtual ~DataVerifier() = default;
  // The signer of `signature` over `input`, or nullopt when it does not verify (unknown
  // certificate, unsupported algorithm, wrong value).
  virtual std::optional<SignerInfo> verify(const wire::Signature& signature, ByteView input) = 0;
  // The identity that signed the message itself (its security block's signature, already
  // verified by the peer), for §7.3's rule on the StoreReq's signer; nullopt when unknown.
  virtual std::optional<SignerInfo> message_signer(const wire::Message& m) const {
    (void)m;
    return std::nullopt;
  }
  // False only for the simulator's verifier (sim_data_signer.h), whose message signatures
  // name no user: the StoreReq-signer rule is then not applied.
  virtual bool judges_message_signer() const { return true; }
  // The certificate that verifies signatures of `id`, to ship with replicas and Fetch
  // answers; nullopt when the verifier has none (e.g. the simulator's).
  virtual std::optional<wire::GenericCertificate> certificate_for(
      const wire::SignerIdentity& id) const {
    (void)id;
    return std::nullopt;
  }
};

class DataSigner {
 public:
  virtual ~DataSigner() = default;
  virtual wire::SignerIdentity identity() const = 0;
  // A complete Signature (algorithm, identity(), value) over `input`.
  virtual wire::Signature sign(ByteView input) = 0;
};

// Who signs one request in place of the node that sends it (RFC 6940 §6.3.4, §7.3): e.g. the
// registrant whose value a StoreReq carries, whose certificate the node holds. Its
// certificates travel in the request's SecurityBlock instead of the node's. Answers still come
// back to the node (the via list), whatever the signer. An empty signer: the node's own.
struct RequestSigner {
  std::shared_ptr<DataSigner> signer;
  std::vector<wire::GenericCertificate> certificates;
  explicit operator bool() const { return signer != nullptr; }
};

// Sets data.signature to the signer's signature over the §7.1 input (an array entry's index
// zeroed, §7.4.2.2) and returns the data.
wire::StoredData sign_stored_data(DataSigner& signer, const wire::ResourceId& resource,
                                  wire::KindId kind, wire::StoredData data);

// Verifies the signature of one StoredData as stored at (resource, kind): on store, and again
// by a fetcher (the signature does not cover the lifetime, which peers adjust).
std::optional<SignerInfo> verify_stored_data(DataVerifier& verifier,
                                             const wire::ResourceId& resource,
                                             wire::KindId kind, const wire::StoredData& data);

}  // namespace p2psip::storage
