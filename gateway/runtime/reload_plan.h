#pragma once
// What a reload (SIGHUP, reload.h) changes, decided without I/O: the running configuration and
// the new one in, the differences out. reload.h reads the files, asks these functions and
// applies the result; nothing here reads a file or a clock.
//
// Reloaded: the phones file (users added, removed, passwords changed) and the static
// registrations (AoRs added, removed, changed: contacts, certificate or key paths, or the
// content of those files). Every other key is read at start only: restart_keys() names the
// ones whose value differs, so the log can say which changes wait for a restart.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gateway/config/gateway_config.h"
#include "gateway/config/phones.h"
#include "gateway/config/settings.h"

namespace p2psip::runtime {

// Names (user names, AoRs) added, removed and changed; each list sorted.
struct KeyChanges {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

// Users added, removed, and whose password changed (the result holds no password).
KeyChanges diff_phones(const config::PhoneBook& running, const config::PhoneBook& fresh);

// What the gateway holds for one static AoR: its contacts (in config order) and the
// credentials that sign it (paths, and a digest of the files' content from the caller).
struct StaticFacts {
  std::vector<std::string> contacts;
  std::string cert;
  std::string key;
  std::string digest;
  bool operator==(const StaticFacts&) const = default;
};
using StaticSet = std::map<std::string, StaticFacts>;  // normalised AoR -> facts

// The entries of static_registrations by normalised AoR (an entry whose AoR does not
// normalise is kept under its text: plan_static_registrations refuses it anyway).
// `digest(cert, key)` stands for the files' content.
StaticSet static_set(const std::vector<config::StaticRegistrationConfig>& entries,
                     const std::function<std::string(const std::string& cert,
                                                      const std::string& key)>& digest);

KeyChanges diff_static(const StaticSet& running, const StaticSet& fresh);

// Keys of `schema` whose value (items or records) differs between two settings, except
// `reloadable`, sorted: the changes a reload does not apply.
std::vector<std::string> restart_keys(const config::Schema& schema,
                                      const config::Settings& running,
                                      const config::Settings& fresh,
                                      const std::set<std::string>& reloadable);

// Whether a reload may take the phones file: the running gateway has a registrar (a
// phones_file at start) and the new settings still name one. Otherwise phones_file is a
// restart key and the phones stay as they are.
bool phones_reloadable(const std::string& running_path, const std::string& fresh_path);

// The one log line of an applied reload: "phones: 1 added (carol), 1 removed (bob), 0
// changed; static registrations: 0 added, 0 removed, 1 changed (pstn@p2p.example.com)".
// At most kNamesShown names per list, then "and N more".
inline constexpr std::size_t kNamesShown = 5;
std::string describe(const KeyChanges& phones, const KeyChanges& statics);

}  // namespace p2psip::runtime
