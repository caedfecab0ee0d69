#include "gateway/runtime/reload_plan.h"

#include <algorithm>

#include "p2psip/overlay/types.h"

namespace p2psip::runtime {

namespace {

// Keys only in `fresh`, only in `running`, and in both with different values (maps are
// sorted, so are the lists).
template <class Map>
KeyChanges diff_maps(const Map& running, const Map& fresh) {
  KeyChanges out;
  for (const auto& [key, value] : fresh) {
    auto it = running.find(key);
    if (it == running.end()) {
      out.added.push_back(key);
    } else if (!(it->second == value)) {
      out.changed.push_back(key);
    }
  }
  for (const auto& [key, value] : running) {
    if (fresh.find(key) == fresh.end()) out.removed.push_back(key);
  }
  return out;
}

std::string list_part(std::size_t n, const char* what, const std::vector<std::string>& names) {
  std::string s = std::to_string(n) + " " + what;
  if (names.empty()) return s;
  s += " (";
  for (std::size_t i = 0; i < names.size() && i < kNamesShown; ++i) {
    s += (i ? ", " : "") + names[i];
  }
  if (names.size() > kNamesShown) s += " and " + std::to_string(names.size() - kNamesShown) + " more";
  return s + ")";
}

std::string describe_one(const char* what, const KeyChanges& c) {
  return std::string(what) + ": " + list_part(c.added.size(), "added", c.added) + ", " +
         list_part(c.removed.size(), "removed", c.removed) + ", " +
         list_part(c.changed.size(), "changed", c.changed);
}

}  // namespace

KeyChanges diff_phones(const config::PhoneBook& running, const config::PhoneBook& fresh) {
  return diff_maps(running, fresh);
}

StaticSet static_set(const std::vector<config::StaticRegistrationConfig>& entries,
                     const std::function<std::string(const std::string& cert,
                                                      const std::string& key)>& digest) {
  StaticSet out;
  for (const auto& e : entries) {
    auto normal = overlay::normalize_aor(e.aor);
    std::string aor = normal ? *normal : e.aor;
    auto [it, fresh] = out.try_emplace(aor);
    StaticFacts& facts = it->second;
    facts.contacts.push_back(e.contact);
    // An AoR listed several times is signed with its first entry's credentials
    // (plan_static_registrations), so those are the ones that count.
    if (fresh) {
      facts.cert = e.cert;
      facts.key = e.key;
      facts.digest = digest(e.cert, e.key);
    }
  }
  return out;
}

KeyChanges diff_static(const StaticSet& running, const StaticSet& fresh) {
  return diff_maps(running, fresh);
}

std::vector<std::string> restart_keys(const config::Schema& schema,
                                      const config::Settings& running,
                                      const config::Settings& fresh,
                                      const std::set<std::string>& reloadable) {
  std::vector<std::string> out;
  for (const config::KeySpec& spec : schema) {
    if (reloadable.count(spec.name)) continue;
    if (running.list(spec.name) != fresh.list(spec.name) ||
        running.records(spec.name) != fresh.records(spec.name)) {
      out.push_back(spec.name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool phones_reloadable(const std::string& running_path, const std::string& fresh_path) {
  return !running_path.empty() && !fresh_path.empty();
}

std::string describe(const KeyChanges& phones, const KeyChanges& statics) {
  return describe_one("phones", phones) + "; " + describe_one("static registrations", statics);
}

}  // namespace p2psip::runtime
