#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "overlay/wire/overlay_hash.h"
#include "overlay/wire/samples.h"
#include "tests/integration/wire/wire_samples.h"

namespace p2psip::wire {

namespace {

// Placeholder certificate of the unsigned samples: a self-signed P-256 certificate with an
// empty subject and the §11.3 subjectAltNames (reload://404142...4f@p2p.example.com/,
// alice@p2p.example.com), DER.
constexpr const char* kSampleCertificateHex =
    "308201b63082015ba003020102021406fa23f68db35e1b0aace3499b4ca8d8b25e77e5300a06082a8648ce3d"
    "0403023000301e170d3236313132343032323935345a170d3336313132313032323935345a30003059301306"
    "072a8648ce3d020106082a8648ce3d03010703420004c20dd8459e546c56fc5098e05e7111325cdd5475ce1b"
    "130e65f067b3ef243e10956b9366f7fabf6a61d53507c7849a537b68bcf355ee7aba2bfec465263190dfa381"
    "b23081af301d0603551d0e04160414a3d13dababee4aad7c0c051408bcf63cd3f56384301f0603551d230418"
    "30168014a3d13dababee4aad7c0c051408bcf63cd3f56384300f0603551d130101ff040530030101ff305c06"
    "03551d1104553053863a72656c6f61643a2f2f34303431343234333434343534363437343834393461346234"
    "63346434653466407032702e6578616d706c652e636f6d2f8115616c696365407032702e6578616d706c652e"
    "636f6d300a06082a8648ce3d040302034900304602210089693acd09587c083ea5e8101739e9c185e62ee1a0"
    "aa20d540b747ae1d85e0fe022100e40358b6a08e11cef00cb50d21e9347f16b8440aaa019e5845d0e4f78cf4"
    "ca2e";

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

template <class Body>
Bytes body_bytes(const Body& b) {
  auto e = encode_to_bytes(b);
  if (!e) {
    std::cerr << "wire_samples: a body does not encode\n";
    std::abort();
  }
  return std::move(*e);
}

// The stored data of a Store or Fetch answer, signed as its storer signs it (§7.1).
void sign_values(SampleSigner* signer, const ResourceId& resource, KindId kind,
                 std::vector<StoredData>& values) {
  if (!signer) return;
  for (StoredData& d : values) {
    d.signature = Signature{};
    d.signature.identity = signer->identity();
    d.signature = signer->sign_data(stored_data_signature_input(resource, kind, d));
  }
}

Bytes body(MessageCode code, SampleSigner* signer) {
  if (code == MessageCode::kStoreReq) {
    StoreReq s = sample_store_req();
    for (StoreKindData& k : s.kind_data) sign_values(signer, s.resource, k.kind, k.values);
    return body_bytes(s);
  }
  if (code == MessageCode::kFetchAns) {
    FetchAns f = sample_fetch_ans();
    for (FetchKindResponse& k : f.kind_responses) {
      sign_values(signer, sample_fetch_req().resource, k.kind, k.values);
    }
    return body_bytes(f);
  }
  return sample_body(code);
}

Message envelope(MessageCode code, Bytes message_body, std::uint64_t txid, SampleSigner* signer) {
  Message m;
  m.header.overlay = overlay_hash(kSampleOverlayName);
  m.header.configuration_sequence = 1;
  m.header.transaction_id = txid;
  m.header.via_list = {Destination::node(sample_node_id(0x5a))};
  m.header.destination_list = {Destination::node(sample_node_id(0x61))};
  m.header.max_response_length = is_request(code) ? 5000 : 0;  // zero in responses
  m.contents.message_code = to_u16(code);
  m.contents.message_body = std::move(message_body);
  if (signer) {
    m.security = signer->sign_message(
        signature_input(m.header.overlay, txid, m.contents, signer->identity()));
    return m;
  }
  m.security.certificates = {GenericCertificate{CertificateType::kX509,
                                                from_hex(kSampleCertificateHex)}};
  m.security.signature = sample_signature();
  return m;
}

// Every code the codec knows: the method samples, then the §14.8 experimentation codes,
// whose bodies no RFC defines (sent empty here).
std::vector<MessageCode> codes() {
  auto methods = sample_message_codes();
  std::vector<MessageCode> out(methods.begin(), methods.end());
  for (MessageCode c : {MessageCode::kExpAReq, MessageCode::kExpAAns, MessageCode::kExpBReq,
                        MessageCode::kExpBAns}) {
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::vector<Sample> all_samples(SampleSigner* signer) {
  std::vector<Sample> out;
  std::uint64_t tx = 0x1000;
  for (MessageCode code : codes()) {
    Message m = envelope(code, body(code, signer), ++tx, signer);
    auto bytes = encode_message(m);
    if (!bytes) {
      std::cerr << "wire_samples: " << message_code_name(code) << " does not encode\n";
      std::abort();
    }
    m.header.length = static_cast<std::uint32_t>(bytes->size());
    out.push_back(Sample{message_code_name(code), std::move(m), std::move(*bytes)});
  }
  return out;
}

Bytes large_sample() {
  StoreReq s = sample_store_req();
  StoredData& d = s.kind_data.front().values.front();
  auto& entry = std::get<DictionaryEntry>(d.value);
  auto uri = "sip:alice@192.0.2.7:5060;x=" + std::string(3500, 'x');
  auto value = encode_to_bytes(SipRegistration::make_uri(uri));
  if (!value) std::abort();
  entry.value.value = std::move(*value);
  Message m = envelope(MessageCode::kStoreReq, body_bytes(s), 0x2000, nullptr);
  auto bytes = encode_message(m);
  if (!bytes) std::abort();
  return std::move(*bytes);
}

}  // namespace p2psip::wire
