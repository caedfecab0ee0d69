#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/runtime/reload_plan.h"

using namespace p2psip;
using namespace p2psip::runtime;
using Names = std::vector<std::string>;

namespace {

std::string fake_digest(const std::string& cert, const std::string& key) { return cert + "|" + key; }

config::Settings settings(std::vector<std::pair<std::string, std::string>> values) {
  config::Settings s;
  for (auto& [k, v] : values) s.set(k, {{v}, config::Source::kFile});
  return s;
}

}  // namespace

TEST_CASE("phones: added, removed and changed passwords, names sorted, no password shown") {
  config::PhoneBook running{{"alice", "a"}, {"bob", "b"}, {"dave", "d"}};
  config::PhoneBook fresh{{"alice", "a"}, {"carol", "c"}, {"dave", "new"}, {"erin", "e"}};
  KeyChanges c = diff_phones(running, fresh);
  CHECK(c.added == Names{"carol", "erin"});
  CHECK(c.removed == Names{"bob"});
  CHECK(c.changed == Names{"dave"});
  CHECK(diff_phones(running, running).empty());
  CHECK(describe(c, {}).find("new") == std::string::npos);
}

TEST_CASE("static registrations: keyed by normalised AoR, contacts, credentials and content") {
  std::vector<config::StaticRegistrationConfig> entries{
      {"pstn@P2P.example.com", "sip:gw1.example.net", "pstn.crt", "pstn.key"},
      {"fax@p2p.example.com", "sip:fax.example.net", "fax.crt", "fax.key"}};
  StaticSet running = static_set(entries, fake_digest);
  REQUIRE(running.count("pstn@p2p.example.com") == 1);
  CHECK(running.at("pstn@p2p.example.com").contacts == Names{"sip:gw1.example.net"});

  auto changed = entries;
  changed[0].contact = "sip:gw2.example.net";  // a new contact
  changed.erase(changed.begin() + 1);           // fax removed
  changed.push_back({"voicemail@p2p.example.com", "sip:vm.example.net", "vm.crt", "vm.key"});
  KeyChanges c = diff_static(running, static_set(changed, fake_digest));
  CHECK(c.added == Names{"voicemail@p2p.example.com"});
  CHECK(c.removed == Names{"fax@p2p.example.com"});
  CHECK(c.changed == Names{"pstn@p2p.example.com"});

  // The same paths with other content (a renewed certificate) is a change too.
  StaticSet renewed = static_set(entries, [](const std::string& cert, const std::string& key) {
    return fake_digest(cert, key) + (cert == "fax.crt" ? "-renewed" : "");
  });
  CHECK(diff_static(running, renewed).changed == Names{"fax@p2p.example.com"});
  CHECK(diff_static(running, static_set(entries, fake_digest)).empty());
}

TEST_CASE("static registrations: a second contact for an AoR changes it, its credentials are the first entry's") {
  std::vector<config::StaticRegistrationConfig> one{{"pstn@p2p.example.com", "sip:a.example.net", "p.crt", "p.key"}};
  auto two = one;
  two.push_back({"pstn@p2p.example.com", "sip:b.example.net", "other.crt", "other.key"});
  StaticSet set = static_set(two, fake_digest);
  CHECK(set.at("pstn@p2p.example.com").contacts == Names{"sip:a.example.net", "sip:b.example.net"});
  CHECK(set.at("pstn@p2p.example.com").cert == "p.crt");
  CHECK(diff_static(static_set(one, fake_digest), set).changed == Names{"pstn@p2p.example.com"});
}

TEST_CASE("restart keys: changed keys a reload does not apply, reloadable ones left out") {
  config::Schema schema;
  for (const char* name : {"sip_listen", "phones_file", "cert", "static_registrations"}) {
    config::KeySpec spec;
    spec.name = name;
    schema.push_back(spec);
  }
  auto running = settings({{"sip_listen", "127.0.0.1:5060"}, {"phones_file", "/a"}, {"cert", "c"}});
  auto fresh = settings({{"sip_listen", "127.0.0.1:5070"}, {"phones_file", "/b"}, {"cert", "c"}});
  std::set<std::string> reloadable{"phones_file", "static_registrations"};
  CHECK(restart_keys(schema, running, fresh, reloadable) == Names{"sip_listen"});
  CHECK(restart_keys(schema, running, running, reloadable).empty());
  config::Settings with_records = running;
  with_records.set("cert", {{"c"}, config::Source::kFile, {{{"aor", "x"}}}});
  CHECK(restart_keys(schema, running, with_records, reloadable) == Names{"cert"});
}

TEST_CASE("phones_file reloads only when the gateway has a registrar and the file is still named") {
  CHECK(phones_reloadable("/etc/p2psip/phones", "/etc/p2psip/phones"));
  CHECK(phones_reloadable("/etc/p2psip/phones", "/etc/p2psip/phones.new"));
  CHECK_FALSE(phones_reloadable("", "/etc/p2psip/phones"));
  CHECK_FALSE(phones_reloadable("/etc/p2psip/phones", ""));
}

TEST_CASE("describe: one line with counts and at most kNamesShown names per list") {
  KeyChanges phones{{"carol"}, {"bob"}, {}};
  KeyChanges statics;
  for (int i = 0; i < 7; ++i) statics.added.push_back("s" + std::to_string(i) + "@d");
  std::string line = describe(phones, statics);
  CHECK(line ==
        "phones: 1 added (carol), 1 removed (bob), 0 changed; static registrations: 7 added "
        "(s0@d, s1@d, s2@d, s3@d, s4@d and 2 more), 0 removed, 0 changed");
}
