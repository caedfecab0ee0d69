#include "gateway/router/decision_log.h"

namespace p2psip::router {

namespace {

const char* lookup_word(LookupStatus s) {
  switch (s) {
    case LookupStatus::found: return "hit";
    case LookupStatus::not_found: return "miss";
    case LookupStatus::unreachable: return "unreachable";
  }
  return "unreachable";
}

std::string joined(const std::vector<std::string>& targets) {
  std::string out;
  for (const auto& t : targets) out += (out.empty() ? "" : ",") + t;
  return out;
}

}  // namespace

std::string refusal_reason(const Decision& d) {
  if (!d.why.empty()) return d.why;
  return d.phrase.empty() ? "refused" : d.phrase;
}

std::vector<LogField> describe_decision(const Decision& d, const DecisionContext& c) {
  std::vector<LogField> f{{"call_id", c.call_id}, {"method", c.method}};
  auto route = [&](Route r) { f.push_back({"route", std::string(to_string(r))}); };
  switch (d.kind) {
    case Decision::Kind::reply: route(Route::rejected); break;
    case Decision::Kind::local: route(Route::local); break;
    case Decision::Kind::forward: route(d.route); break;
    case Decision::Kind::resolve_dns: route(Route::dns); break;
    case Decision::Kind::lookup_overlay: f.push_back({"route", "overlay_lookup"}); break;
  }
  if (c.lookup) {
    f.push_back({"lookup", lookup_word(*c.lookup)});
    f.push_back({"aor", c.aor});
  } else if (d.kind == Decision::Kind::lookup_overlay) {
    f.push_back({"aor", d.aor});
  }
  switch (d.kind) {
    case Decision::Kind::reply:
      f.push_back({"status", std::to_string(d.status)});
      f.push_back({"why", refusal_reason(d)});
      break;
    case Decision::Kind::forward:
      f.push_back({"target", d.route == Route::dialog ? c.next_hop : joined(d.targets)});
      break;
    case Decision::Kind::resolve_dns: f.push_back({"target", c.next_hop}); break;
    default: break;
  }
  return f;
}

}  // namespace p2psip::router
