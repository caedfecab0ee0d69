#include "storage_fixture.h"

#include <stdexcept>

namespace p2psip::storage::test {

namespace sec = p2psip::security;

namespace {

const sec::SysSeconds kCertNow{std::chrono::seconds{1'700'000'000}};

const sec::CertificateAuthority& ca() {
  static const sec::CertificateAuthority instance = [] {
    auto c = sec::CertificateAuthority::create("p2p.example.com", sec::KeyType::ec_p256, 3650,
                                               kCertNow - std::chrono::hours(24));
    if (!c) throw std::runtime_error(c.error());
    return std::move(c).value();
  }();
  return instance;
}

sec::NodeId fill(unsigned char b) {
  sec::NodeId n{};
  n.fill(std::byte{b});
  return n;
}

Party make_party(std::string user, std::vector<sec::NodeId> ids) {
  sec::IssueRequest req{user, ids, sec::KeyType::ec_p256, 365};
  auto issued = ca().issue(req, kCertNow);
  if (!issued) throw std::runtime_error(issued.error());
  sec::Certificate cert = issued->certificate;
  return Party{std::move(user), wire::NodeId(ids.front()), cert,
               CertificateSigner(std::move(issued->certificate), std::move(issued->key))};
}

}  // namespace

const Party& alice() {
  static Party p = make_party("alice@p2p.example.com", {fill(0x11), fill(0x12)});
  return p;
}
const Party& bob() {
  static Party p = make_party("bob@p2p.example.com", {fill(0x22)});
  return p;
}
const Party& mallory() {
  static Party p = make_party("alice@p2p.example.com", {fill(0x11)});
  return p;
}

const Party& bob_renewed() {
  static Party p = make_party("bob@p2p.example.com", {fill(0x22)});
  return p;
}

const sec::RootCertificate& overlay_root() { return ca().root(); }

CertificateVerifier verifier() { return CertificateVerifier({alice().cert, bob().cert}); }

const KindRegistry& registry() {
  static const KindRegistry r = [] {
    KindRegistry k;
    k.add({kUserSingle, DataModel::kSingle, AccessPolicy::kUserMatch, 1, 1024, 0});
    k.add({kUserArray, DataModel::kArray, AccessPolicy::kUserMatch, 3, 1024, 0});
    k.add({kNodeSingle, DataModel::kSingle, AccessPolicy::kNodeMatch, 1, 8, 0});
    k.add({kNodeMulti, DataModel::kSingle, AccessPolicy::kNodeMultiple, 1, 1024, 2});
    k.add(sip_registration_kind(2, 1024));
    k.add(certificate_by_node_kind());
    k.add(certificate_by_user_kind());
    return k;
  }();
  return r;
}

wire::StoredData signed_data(const Party& p, const wire::ResourceId& res, KindId kind,
                             wire::StoredDataValue value, std::uint64_t storage_time,
                             std::uint32_t lifetime) {
  wire::StoredData d;
  d.storage_time = storage_time;
  d.lifetime = lifetime;
  d.value = std::move(value);
  auto& signer = const_cast<CertificateSigner&>(p.signer);
  return sign_stored_data(signer, res, kind, std::move(d));
}

wire::StoreReq store_req(const wire::ResourceId& res, KindId kind,
                         std::vector<wire::StoredData> values, wire::GenerationCounter gen) {
  wire::StoreReq req;
  req.resource = res;
  req.kind_data.push_back({kind, gen, std::move(values), std::nullopt});
  return req;
}

wire::DataValue dv(std::string_view s, bool exists) { return {exists, to_bytes(s)}; }

wire::DictionaryEntry dict(const wire::NodeId& key, std::string_view s, bool exists) {
  return {Bytes(key.view().begin(), key.view().end()), dv(s, exists)};
}

}  // namespace p2psip::storage::test
