// ConfigurationKeeper, kinds (RFC 6940 §6.5.4, §11.1): the kinds of the document in use and of
// accepted ConfigUpdates of type kind go into the node's KindRegistry.
#include "overlay/api/configuration.h"

namespace p2psip::overlay {

namespace en = p2psip::enroll;

// The document's kinds were verified with the document (verify_config_document); their
// signer is its kind-signer, found again here once per document.
std::vector<en::VerifiedKind> ConfigurationKeeper::document_kinds() const {
  std::vector<en::VerifiedKind> out;
  for (const en::KindBlock& k : current_.kinds) {
    auto v = en::verify_kind_description(en::kind_description(k), current_, wall());
    if (v) out.push_back(std::move(v).value());
    else log(LogLevel::kWarn, "configuration: " + v.error());
  }
  return out;
}

void ConfigurationKeeper::apply_kinds(const std::vector<en::VerifiedKind>& kinds, const std::string& source) {
  for (const en::VerifiedKind& k : kinds) {
    auto def = en::to_kind_def(k.block);
    if (!def) {
      log(LogLevel::kWarn, "configuration from " + source + ": " + def.error() + " (kind not used)");
      continue;
    }
    if (node_ && !node_->update_kind(*def)) {
      log(LogLevel::kWarn, "configuration from " + source + ": kind " + en::kind_key(k.block) +
                               " conflicts with the kind in use (data model or policy); not used");
      continue;
    }
    kinds_[en::kind_key(k.block)] = k;
    log(LogLevel::kInfo, "kind " + en::kind_key(k.block) + " (id " + std::to_string(def->id) + "): max-count " +
                             std::to_string(def->max_count) + ", max-size " + std::to_string(def->max_size) +
                             " from " + source);
  }
}

peer::ConfigurationHandler::Verdict ConfigurationKeeper::kinds_offered(Millis, const std::vector<Bytes>& kinds,
                                                                       const peer::NodeId& from) {
  std::vector<en::VerifiedKind> checked;
  auto refuse = [&](const std::string& why) {
    log(LogLevel::kWarn, "kind ConfigUpdate from " + from.hex() + " refused: " + why);
    return Verdict{wire::ErrorCode::kForbidden, 0, why};
  };
  if (kinds.empty()) return refuse("no KindDescription");
  for (const Bytes& description : kinds) {
    auto v = en::verify_kind_description(to_string(description), current_, wall());
    if (!v) return refuse(v.error());
    auto def = en::to_kind_def(v->block);
    if (!def) return refuse(def.error());
    auto known = kinds_.find(en::kind_key(v->block));
    if (known != kinds_.end()) {
      if (auto conflict = en::kind_conflict(known->second, *v)) return refuse(*conflict);
    }
    checked.push_back(std::move(v).value());
  }
  apply_kinds(checked, "a kind ConfigUpdate of " + from.hex());  // all checked: all or nothing
  return {std::nullopt, sequence_, ""};
}

}  // namespace p2psip::overlay
