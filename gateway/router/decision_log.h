#pragma once
// The routing log line (issue 19): one info line per routing decision, with the Call-ID, the
// route taken and its target, or the refusal and why. Pure: the proxy hands in what it knows
// and logs log_event("route", fields) (common/log_fields.h).
//   route=overlay lookup=hit aor=bob@example.com target=sip:bob@192.0.2.7:5060
//   route=dns lookup=miss aor=carol@example.net target=sip:carol@example.net   (RFC 3263)
//   route=static target=sip:alice@192.0.2.9:5070                      (static table, phones)
//   route=rejected status=403 why="..."                                   (refused)

#include <optional>
#include <string>
#include <vector>

#include "common/log_fields.h"
#include "gateway/router/router.h"

namespace p2psip::router {

// The request a decision is about.
struct DecisionContext {
  std::string call_id;
  std::string method;
  std::string next_hop;  // the top Route or the Request-URI: where dialog and DNS routes go
  // Set when the decision follows an overlay lookup (after_lookup): its AoR and answer.
  std::optional<LookupStatus> lookup;
  std::string aor;
};

std::vector<LogField> describe_decision(const Decision& d, const DecisionContext& c);

// Why a reply decision refuses (its `why`, or a text from its status when it has none).
std::string refusal_reason(const Decision& d);

}  // namespace p2psip::router
