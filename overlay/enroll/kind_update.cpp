#include "overlay/enroll/kind_update.h"

#include "overlay/enroll/xml_signature.h"
#include "overlay/security/identity.h"
#include "overlay/storage/kinds.h"

namespace p2psip::enroll {

namespace {

namespace sec = p2psip::security;

struct KnownName {
  const char* name;
  storage::KindId id;
};
// RFC 7904 §6 and the IANA table of RFC 6940 §14.6 (the kinds this project stores).
constexpr KnownName kKnownNames[] = {
    {"SIP-REGISTRATION", 1},
    {"CERTIFICATE_BY_NODE", storage::kCertificateByNodeKindId},
    {"CERTIFICATE_BY_USER", storage::kCertificateByUserKindId},
};

std::vector<sec::NodeId> node_ids(const std::vector<std::string>& hexes) {
  std::vector<sec::NodeId> out;
  for (const auto& h : hexes) {
    if (auto id = sec::parse_node_id_hex(h)) out.push_back(*id);
  }
  return out;
}

}  // namespace

Expected<VerifiedKind, std::string> verify_kind_description(std::string_view description, const ParsedConfig& current,
                                                            sec::SysSeconds now) {
  if (description.find("<configuration") != std::string_view::npos) {
    return unexpected(std::string("a kind-block holds no configuration"));
  }
  // Parsed as the required-kinds of a document of its own (the same parser, caps and refusals).
  std::string wrapped = "<overlay xmlns=\"" + std::string(kConfigNamespace) + "\"><configuration instance-name=\"" +
                        current.instance_name + "\"><required-kinds>" + std::string(description) +
                        "</required-kinds></configuration></overlay>";
  auto parsed = parse_config_document(wrapped);
  if (!parsed) return unexpected("kind-block: " + parsed.error());
  if (parsed->kinds.size() != 1) return unexpected(std::string("a KindDescription holds exactly one kind-block"));
  KindBlock& k = parsed->kinds.front();
  if (k.signature.empty()) return unexpected("kind " + kind_key(k) + ": no kind-signature");
  std::vector<sec::RootCertificate> roots;
  for (const Bytes& der : current.root_certs) {
    if (auto root = sec::RootCertificate::from_der(der)) roots.push_back(std::move(root).value());
  }
  auto signer = verify_blob(k.kind_bytes, k.signature, current.instance_name, roots, node_ids(current.kind_signers), now);
  if (!signer) return unexpected("kind " + kind_key(k) + ": " + signer.error());
  if (signer->node_ids().empty()) return unexpected(std::string("kind-signer certificate without a Node-ID"));
  return VerifiedKind{std::move(k), sec::node_id_hex(signer->node_ids().front())};
}

std::string kind_key(const KindBlock& k) { return k.name.empty() ? "#" + std::to_string(k.id) : k.name; }

Expected<storage::KindDef, std::string> to_kind_def(const KindBlock& k) {
  storage::KindDef d;
  d.id = k.id;
  if (!k.name.empty()) {
    const KnownName* known = nullptr;
    for (const auto& n : kKnownNames) {
      if (k.name == n.name) known = &n;
    }
    if (!known) return unexpected("kind " + k.name + ": an unknown kind name (give it by id)");
    d.id = known->id;
  }
  if (k.data_model == "SINGLE") d.model = storage::DataModel::kSingle;
  else if (k.data_model == "ARRAY") d.model = storage::DataModel::kArray;
  else if (k.data_model == "DICTIONARY") d.model = storage::DataModel::kDictionary;
  else return unexpected("kind " + kind_key(k) + ": data-model '" + k.data_model + "'");
  if (k.access_control == "USER-MATCH") d.policy = storage::AccessPolicy::kUserMatch;
  else if (k.access_control == "NODE-MATCH") d.policy = storage::AccessPolicy::kNodeMatch;
  else if (k.access_control == "USER-NODE-MATCH") d.policy = storage::AccessPolicy::kUserNodeMatch;
  else return unexpected("kind " + kind_key(k) + ": access-control '" + k.access_control + "' (not supported here)");
  if (k.max_count == 0 || k.max_size == 0) return unexpected("kind " + kind_key(k) + ": max-count and max-size must be > 0");
  d.max_count = k.max_count;
  d.max_size = k.max_size;
  return d;
}

std::optional<std::string> kind_conflict(const VerifiedKind& known, const VerifiedKind& update) {
  if (known.signer != update.signer) {
    return "kind " + kind_key(update.block) + " is signed by " + known.signer + ", not " + update.signer;
  }
  if (known.block.data_model != update.block.data_model || known.block.access_control != update.block.access_control) {
    return "kind " + kind_key(update.block) + ": data-model/access-control change (needs a restart)";
  }
  return std::nullopt;
}

std::string kind_description(const KindBlock& k) {
  return "<kind-block>" + k.kind_bytes + "<kind-signature>" + k.signature + "</kind-signature></kind-block>";
}

}  // namespace p2psip::enroll
