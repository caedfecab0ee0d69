#pragma once
// ConfigUpdate of type kind (RFC 6940 §6.5.4): each KindDescription is one XML kind-block
// (§11.1: a kind element and its kind-signature), UTF-8, in the default namespace
// "urn:ietf:params:xml:ns:p2p:config-base". Pure decisions on values:
//
// - verify_kind_description: parses one (no DTD, size-capped as a document) and checks its
//   kind-signature against the current document's root-cert(s) and kind-signer list
//   ("processed only if it is correctly digitally signed by an acceptable Kind signer (i.e.,
//   one listed in the current configuration file)").
// - kind_conflict: "if the Kind update conflicts with an existing known Kind (i.e., it is signed
//   by a different signer), then it should be rejected with an Error_Forbidden error".
// - to_kind_def: the storage limits and policy it gives (kind names of the IANA table we
//   know, or an id attribute). A change of an existing kind's data model or access policy is
//   refused (values stored under the old model cannot be re-checked): only new kinds and new
//   max-count / max-size are taken at run time; the rest needs a new document and a restart.

#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "overlay/enroll/config_document.h"
#include "overlay/storage/kinds.h"

namespace p2psip::enroll {

struct VerifiedKind {
  KindBlock block;
  std::string signer;  // the kind-signer's Node-ID, hex
};

Expected<VerifiedKind, std::string> verify_kind_description(std::string_view description,
                                                            const ParsedConfig& current,
                                                            security::SysSeconds now);

// The kind's identity across documents: its name, or "#<id>".
std::string kind_key(const KindBlock& k);

// The kind's definition, or why it cannot be one.
Expected<storage::KindDef, std::string> to_kind_def(const KindBlock& k);

// Why `update` may not replace `known` (same key): another signer, or another data model or
// access policy; nullopt when it may.
std::optional<std::string> kind_conflict(const VerifiedKind& known, const VerifiedKind& update);

// "<kind-block><kind ...>...</kind><kind-signature>...</kind-signature></kind-block>" for a kind
// of a document (as sent in a ConfigUpdate of type kind).
std::string kind_description(const KindBlock& k);

}  // namespace p2psip::enroll
