#pragma once
// The kinds an overlay knows (RFC 6940 §7.4.5, §11.1 <kind> elements): id, data model, access
// policy and limits. A registry, not a switch: usages add their kinds, the configuration
// document will later add its own.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "overlay/wire/storage_types.h"

namespace p2psip::storage {

using wire::DataModel;
using wire::KindId;

// §7.3. The Resource-ID (and for USER-NODE-MATCH the dictionary key) a signer may write.
enum class AccessPolicy : std::uint8_t {
  kUserMatch,      // Resource-ID = H(user name)
  kNodeMatch,      // Resource-ID = H(Node-ID)
  kUserNodeMatch,  // Resource-ID = H(user name), dictionary key = Node-ID
  kNodeMultiple,   // Resource-ID = H(Node-ID || uint32 i), 1 <= i <= max_node_multiple
};
const char* to_string(AccessPolicy p);

struct KindDef {
  KindId id = 0;
  DataModel model = DataModel::kSingle;
  AccessPolicy policy = AccessPolicy::kUserMatch;
  std::uint32_t max_count = 1;         // values of this kind at one Resource-ID
  std::uint32_t max_size = 1024;       // bytes of one DataValue.value
  std::uint32_t max_node_multiple = 0; // NODE-MULTIPLE only
};

// SIP-REGISTRATION (RFC 7904 §3, IANA): Kind 1, DICTIONARY, USER-NODE-MATCH. The RFC 6940
// §11.1 example declaring it SINGLE/USER-MATCH is wrong (DESIGN.md §6).
inline constexpr std::uint32_t kDefaultSipMaxCount = 16;
inline constexpr std::uint32_t kDefaultSipMaxSize = 4096;
KindDef sip_registration_kind(std::uint32_t max_count = kDefaultSipMaxCount,
                              std::uint32_t max_size = kDefaultSipMaxSize);

// The Certificate Store Usage (RFC 6940 §8): a node's certificate, DER (§6.3.4), as an array
// entry at H(Node-ID) (CERTIFICATE_BY_NODE, NODE-MATCH) and at H(user name)
// (CERTIFICATE_BY_USER, USER-MATCH). Kind-IDs from the IANA table of §14.6: CERTIFICATE_BY_USER
// is 0x10, not 4. The limits are those the enrollment server's configuration document declares
// (overlay/enroll/config_document.cpp): 16 certificates of at most 16 KiB per resource.
inline constexpr KindId kCertificateByNodeKindId = 3;
inline constexpr KindId kCertificateByUserKindId = 0x10;
inline constexpr std::uint32_t kDefaultCertificateMaxCount = 16;
inline constexpr std::uint32_t kDefaultCertificateMaxSize = 16 * 1024;
KindDef certificate_by_node_kind();
KindDef certificate_by_user_kind();
bool is_certificate_kind(KindId id);
// The kinds every peer stores: SIP-REGISTRATION and the two certificate kinds.
std::vector<KindDef> default_kinds();

class KindRegistry {
 public:
  // False (and nothing changes) when the id is taken or the definition is inconsistent
  // (USER-NODE-MATCH needs DICTIONARY; NODE-MULTIPLE needs max_node_multiple >= 1).
  bool add(const KindDef& def);
  // A kind added, or an existing one's max_count/max_size changed (RFC 6940 §6.5.4: a kind
  // update at run time); false (nothing changes) for an inconsistent definition or another
  // data model or policy than the existing kind's. Values already stored stay (a lower
  // max_count/max_size applies to the next Store).
  bool update(const KindDef& def);
  const KindDef* find(KindId id) const;
  std::optional<DataModel> model(KindId id) const;
  // For the wire decoders. The lookup refers to this registry: keep it alive.
  wire::KindModelLookup model_lookup() const;
  std::size_t size() const { return kinds_.size(); }

 private:
  std::map<KindId, KindDef> kinds_;
};

}  // namespace p2psip::storage
