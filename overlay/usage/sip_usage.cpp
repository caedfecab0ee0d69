#include "overlay/usage/sip_usage.h"

#include <algorithm>
#include <cctype>

#include "overlay/storage/resource_id.h"
#include "overlay/storage/user_name.h"

namespace p2psip::usage {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

bool bad_char(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' ||
         std::iscntrl(static_cast<unsigned char>(c));
}

}  // namespace

Expected<std::string, std::string> normalize_aor(std::string_view aor) {
  if (aor.size() > kMaxAorLength) return unexpected(std::string("AoR too long"));
  if (starts_with_icase(aor, "sips:")) {
    aor.remove_prefix(5);
  } else if (starts_with_icase(aor, "sip:")) {
    aor.remove_prefix(4);
  }
  aor = aor.substr(0, aor.find_first_of(";?"));
  if (std::any_of(aor.begin(), aor.end(), bad_char)) {
    return unexpected(std::string("AoR contains a forbidden character"));
  }
  // RFC 7904 §7: %-escapes decoded, the same normal form the storing peer's USER-NODE-MATCH
  // hashes (storage::normal_user_name, access.cpp).
  return storage::normal_user_name(aor);
}

Expected<wire::ResourceId, std::string> aor_resource_id(std::string_view aor) {
  auto n = normalize_aor(aor);
  if (!n) return unexpected(n.error());
  return storage::resource_id_of(std::string_view(*n));
}

namespace {

wire::StoreKindData entry(const wire::ResourceId& resource, const wire::NodeId& storer,
                          wire::DataValue value, std::uint64_t t, std::uint32_t lifetime,
                          storage::DataSigner& signer) {
  wire::StoredData d;
  d.storage_time = t;
  d.lifetime = lifetime;
  d.value = wire::DictionaryEntry{Bytes(storer.view().begin(), storer.view().end()),
                                  std::move(value)};
  wire::StoreKindData kd;
  kd.kind = wire::kSipRegistrationKindId;
  kd.values.push_back(storage::sign_stored_data(signer, resource, kd.kind, std::move(d)));
  return kd;
}

}  // namespace

Expected<wire::StoreKindData, std::string> build_registration(
    const wire::ResourceId& resource, const wire::NodeId& storer,
    const wire::SipRegistration& registration, std::uint64_t storage_time_ms,
    std::uint32_t lifetime_s, storage::DataSigner& signer) {
  auto value = wire::encode_sip_registration(registration);
  if (!value) return unexpected("SIP-REGISTRATION: " + value.error().what);
  return entry(resource, storer, wire::DataValue{true, std::move(*value)}, storage_time_ms,
               lifetime_s, signer);
}

wire::StoreKindData build_unregistration(const wire::ResourceId& resource,
                                         const wire::NodeId& storer,
                                         std::uint64_t storage_time_ms, std::uint32_t lifetime_s,
                                         storage::DataSigner& signer) {
  return entry(resource, storer, wire::DataValue{false, {}}, storage_time_ms, lifetime_s,
               signer);
}

std::vector<wire::SipRegistration> registrations_of(const std::vector<wire::StoredData>& values) {
  std::vector<wire::SipRegistration> out;
  for (const wire::StoredData& d : values) {
    const auto* e = std::get_if<wire::DictionaryEntry>(&d.value);
    if (!e || !e->value.exists) continue;
    auto reg = wire::decode_sip_registration(e->value.value);
    if (reg && reg->is_known()) out.push_back(std::move(*reg));
  }
  return out;
}

Resolution resolve_aor(std::string_view aor, std::string_view overlay_domain,
                       const RegistrationFetch& fetch, std::size_t max_depth) {
  AorWalk walk(aor, overlay_domain, max_depth);
  while (auto next = walk.next()) walk.on_registrations(registrations_of(fetch(*next)));
  return walk.take();
}

}  // namespace p2psip::usage
