#include "tests/integration/wire/wire_samples_signer.h"

#include <chrono>
#include <iostream>

#include "overlay/wire/bodies.h"
#include "overlay/wire/bodies_storage.h"
#include "overlay/wire/overlay_hash.h"
#include "overlay/wire/samples.h"

namespace p2psip::wire {

namespace sec = p2psip::security;

namespace {

sec::SysSeconds now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// The stored data of a store_req or fetch_ans body, with the Resource-ID they are stored at.
std::vector<std::pair<KindId, StoredData>> stored_values(const Message& m, ResourceId& resource) {
  std::vector<std::pair<KindId, StoredData>> out;
  if (m.contents.code() == MessageCode::kStoreReq) {
    auto s = decode_store_req(m.contents.message_body, sample_kind_models());
    if (!s) return out;
    resource = s->resource;
    for (const StoreKindData& k : s->kind_data) {
      for (const StoredData& d : k.values) out.emplace_back(k.kind, d);
    }
  } else if (m.contents.code() == MessageCode::kFetchAns) {
    auto f = decode_fetch_ans(m.contents.message_body, sample_kind_models());
    if (!f) return out;
    resource = sample_fetch_req().resource;
    for (const FetchKindResponse& k : f->kind_responses) {
      for (const StoredData& d : k.values) out.emplace_back(k.kind, d);
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<NodeSampleSigner> NodeSampleSigner::create() {
  auto ca = sec::CertificateAuthority::create(kSampleOverlayName, sec::KeyType::rsa2048,
                                              sec::kDefaultRootDays, now());
  if (!ca) {
    std::cerr << "wire_samples: CA: " << ca.error() << '\n';
    return nullptr;
  }
  sec::IssueRequest req;
  req.user = "alice@p2p.example.com";
  req.node_ids = {sample_node_id(0x5a).bytes()};
  req.key_type = sec::KeyType::rsa2048;
  auto issued = ca->issue(req, now());
  if (!issued) {
    std::cerr << "wire_samples: certificate: " << issued.error() << '\n';
    return nullptr;
  }
  // NodeSigner and CertificateSigner each own a key: the same key, through its PEM.
  auto pem = issued->key.to_pem();
  if (!pem) {
    std::cerr << "wire_samples: key: " << pem.error() << '\n';
    return nullptr;
  }
  auto copy = sec::PrivateKey::from_pem(*pem);
  if (!copy) {
    std::cerr << "wire_samples: key copy: " << copy.error() << '\n';
    return nullptr;
  }
  return std::unique_ptr<NodeSampleSigner>(
      new NodeSampleSigner(ca->root(), issued->certificate, std::move(issued->key),
                           std::move(*copy)));
}

NodeSampleSigner::NodeSampleSigner(sec::RootCertificate root, sec::Certificate cert,
                                   sec::PrivateKey node_key, sec::PrivateKey data_key)
    : root_(std::move(root)),
      cert_(cert),
      node_(cert, std::move(node_key), {root_}, clock_),
      data_(std::move(cert), std::move(data_key)) {}

SecurityBlock NodeSampleSigner::sign_message(ByteView signature_input) {
  return node_.sign(signature_input);
}

Signature NodeSampleSigner::sign_data(ByteView stored_data_input) {
  return data_.sign(stored_data_input);
}

std::string NodeSampleSigner::check(const std::vector<Sample>& samples) {
  DecodeParams params;
  params.overlay = overlay_hash(kSampleOverlayName);
  storage::CertificateVerifier data_verifier({cert_});
  for (const Sample& s : samples) {
    auto m = decode_message(s.bytes, params);
    if (!m) return s.name + ": does not decode";
    // Our strict body decoder too: tshark ignores bytes a body carries after its last field.
    bool experimental = m->contents.message_code >= to_u16(MessageCode::kExpAReq) &&
                        m->contents.message_code <= to_u16(MessageCode::kExpBAns);
    if (experimental ? !m->contents.message_body.empty()
                     : !decode_body(m->contents.code(), m->contents.message_body,
                                    sample_kind_models())) {
      return s.name + ": its body does not decode";
    }
    if (!node_.verify(*m)) return s.name + ": message signature: " + node_.last_error();
    ResourceId resource;
    for (const auto& [kind, d] : stored_values(*m, resource)) {
      if (!storage::verify_stored_data(data_verifier, resource, kind, d)) {
        return s.name + ": stored-data signature does not verify";
      }
    }
  }
  return "";
}

}  // namespace p2psip::wire
