#pragma once
// Shared fixture for the storage tests: one EC CA per process, real certificates and keys for
// alice (two Node-IDs) and bob, a KindRegistry with one kind per policy and data model.

#include <string>

#include "overlay/security/ca.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/storage/data_store.h"
#include "overlay/storage/resource_id.h"

namespace p2psip::storage::test {

inline constexpr WallMs kNow = 1'700'000'000'000;
inline constexpr KindId kUserSingle = 100;   // USER-MATCH, SINGLE
inline constexpr KindId kUserArray = 101;    // USER-MATCH, ARRAY, max_count 3
inline constexpr KindId kNodeSingle = 102;   // NODE-MATCH, SINGLE, max_size 8
inline constexpr KindId kNodeMulti = 103;    // NODE-MULTIPLE (max 2), SINGLE
inline constexpr KindId kSip = 1;            // SIP-REGISTRATION: USER-NODE-MATCH, DICTIONARY
// and the §8 kinds CERTIFICATE_BY_NODE (3) and CERTIFICATE_BY_USER (16) as every peer has them

struct Party {
  std::string user;
  wire::NodeId node;   // first Node-ID of the certificate
  security::Certificate cert;
  CertificateSigner signer;
};

const Party& alice();    // alice@p2p.example.com, Node-IDs 0x11.. and 0x12..
const Party& bob();      // bob@p2p.example.com, Node-ID 0x22..
const Party& mallory();  // a certificate the verifier does not know
const Party& bob_renewed();  // bob's user and Node-ID, another key (a renewal, RFC 6940 §11.3)
CertificateVerifier verifier();  // knows alice and bob
const KindRegistry& registry();
const security::RootCertificate& overlay_root();  // the CA every party's certificate chains to

wire::StoredData signed_data(const Party& p, const wire::ResourceId& res, KindId kind,
                             wire::StoredDataValue value, std::uint64_t storage_time = kNow,
                             std::uint32_t lifetime = 60);
wire::StoreReq store_req(const wire::ResourceId& res, KindId kind,
                         std::vector<wire::StoredData> values, wire::GenerationCounter gen = 0);
wire::DataValue dv(std::string_view s, bool exists = true);
wire::DictionaryEntry dict(const wire::NodeId& key, std::string_view s, bool exists = true);

}  // namespace p2psip::storage::test
