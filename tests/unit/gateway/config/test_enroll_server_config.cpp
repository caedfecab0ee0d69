// The keys of `p2psip enroll-server` (enroll_server_config.h): the old flag names, file < env <
// flags, required keys named when missing, ca_dir from data_dir, bad values naming their key.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gateway/config/enroll_server_config.h"
#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"

using namespace p2psip::config;

namespace {

std::string users_file() {
  static const std::string path = [] {
    auto p = std::filesystem::temp_directory_path() / "p2psip-unit-enroll-users";
    std::ofstream(p) << "alice correct horse\n";
    return p.string();
  }();
  return path;
}

p2psip::Expected<Settings, ConfigError> resolve(const std::string& yaml,
                                                const std::map<std::string, std::string>& env,
                                                const Layer& flags) {
  const Schema& schema = enroll_server_schema();
  auto file = layer_from_yaml(yaml, "enroll.yaml", schema);
  if (!file) return p2psip::unexpected(file.error());
  auto env_layer = layer_from_env(env, schema);
  if (!env_layer) return p2psip::unexpected(env_layer.error());
  return resolve_settings(schema, *file, *env_layer, flags);
}

}  // namespace

TEST_CASE("enroll-server keys: every flag of the CLI-only command is still there") {
  std::set<std::string> flags;
  for (const KeySpec& k : enroll_server_schema()) flags.insert(flag_name(k.name));
  for (const char* f : {"overlay", "listen", "ca-dir", "users", "domain", "bootstrap", "bad-node",
                        "bad-nodes-file", "sequence", "tls-cert", "tls-key", "metrics-listen",
                        "lockout"}) {
    CHECK_MESSAGE(flags.count(f) == 1, f);
  }
}

TEST_CASE("enroll-server keys: file < environment < flags, typed") {
  std::string yaml = "overlay: p2p.example.com\nlisten: 127.0.0.1:8443\nca_dir: /srv/ca\n"
                     "users: " + users_file() + "\nbootstrap: [192.0.2.1:6084, \"[2001:db8::1]:6084\"]\n"
                     "sequence: 4\nlockout: 5\n";
  auto s = resolve(yaml, {{"P2PSIP_LISTEN", "127.0.0.1:9443"}, {"P2PSIP_LOCKOUT", "7"}},
                   {{"lockout", {"9"}}, {"bad_node", {"00112233445566778899aabbccddeeff"}}});
  REQUIRE(s);
  CHECK(s->source("listen") == Source::kEnv);
  CHECK(s->source("lockout") == Source::kFlag);
  auto c = to_enroll_server_config(*s);
  REQUIRE(c);
  CHECK(c->overlay == "p2p.example.com");
  CHECK(c->listen.port == 9443);
  CHECK(c->ca_dir == "/srv/ca");
  CHECK(c->lockout == 9);
  CHECK(c->sequence == 4);
  REQUIRE(c->bootstrap.size() == 2);
  CHECK(c->bootstrap[1].host == "2001:db8::1");
  CHECK(c->bad_nodes == std::vector<std::string>{"00112233445566778899aabbccddeeff"});
  CHECK(c->metrics_listen.empty());
}

TEST_CASE("enroll-server keys: required keys, ca_dir from data_dir") {
  std::string base = "overlay: p2p.example.com\nlisten: 127.0.0.1:8443\nusers: " + users_file() + "\n";
  auto no_ca = resolve(base, {}, {});
  REQUIRE(no_ca);
  auto c = to_enroll_server_config(*no_ca);
  REQUIRE_FALSE(c);
  CHECK(c.error().key == "ca_dir");
  CHECK(c.error().message.find("P2PSIP_CA_DIR") != std::string::npos);
  auto with_data = resolve(base, {{"P2PSIP_DATA_DIR", "/var/lib/p2psip"}}, {});
  REQUIRE(with_data);
  auto d = to_enroll_server_config(*with_data);
  REQUIRE(d);
  CHECK(d->ca_dir == "/var/lib/p2psip/ca");
  auto no_listen = resolve("overlay: p2p.example.com\nca_dir: /srv/ca\nusers: " + users_file() + "\n", {}, {});
  REQUIRE(no_listen);
  auto l = to_enroll_server_config(*no_listen);
  REQUIRE_FALSE(l);
  CHECK(l.error().key == "listen");
}

TEST_CASE("enroll-server keys: bad values name their key and origin") {
  auto seq = resolve("", {{"P2PSIP_SEQUENCE", "65535"}}, {});
  REQUIRE_FALSE(seq);
  CHECK(seq.error().key == "sequence");
  CHECK(seq.error().message.find("P2PSIP_SEQUENCE") != std::string::npos);
  auto lockout = resolve("lockout: 0\n", {}, {});
  REQUIRE_FALSE(lockout);
  CHECK(lockout.error().key == "lockout");
  auto listen = resolve("", {}, {{"listen", {"example.com:8443"}}});
  REQUIRE_FALSE(listen);
  CHECK(listen.error().key == "listen");
  auto users = resolve("users: /nonexistent/users\n", {}, {});
  REQUIRE_FALSE(users);
  CHECK(users.error().key == "users");
  auto unknown = resolve("", {{"P2PSIP_SIP_LISTEN", "0.0.0.0:5060"}}, {});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().key == "P2PSIP_SIP_LISTEN");
}

TEST_CASE("gateway enroll_listen keys: off by default, typed when set, in the gateway only") {
  const Schema& schema = gateway_schema();
  auto off = resolve_settings(schema, {}, {}, {});
  REQUIRE(off);
  CHECK_FALSE(to_gateway_config(*off).enroll_server.listen.has_value());
  auto file = layer_from_yaml("enroll_listen: 127.0.0.1:8443\nenroll_ca_dir: /srv/ca\n"
                              "enroll_bootstrap: [192.0.2.7:6084]\n", "gw.yaml", schema);
  REQUIRE(file);
  auto env = layer_from_env({{"P2PSIP_ENROLL_USERS", users_file()}}, schema);
  REQUIRE(env);
  auto on = resolve_settings(schema, *file, *env, {});
  REQUIRE(on);
  InProcessEnrollConfig e = to_gateway_config(*on).enroll_server;
  REQUIRE(e.listen.has_value());
  CHECK(e.listen->port == 8443);
  CHECK(e.users == users_file());
  CHECK(e.ca_dir == "/srv/ca");
  REQUIRE(e.bootstrap.size() == 1);
  CHECK(e.bootstrap[0].host == "192.0.2.7");
  auto bad = layer_from_env({{"P2PSIP_ENROLL_LISTEN", "nowhere"}}, schema);
  REQUIRE(bad);
  auto refused = resolve_settings(schema, {}, *bad, {});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().key == "enroll_listen");
  CHECK_FALSE(layer_from_yaml("enroll_listen: 127.0.0.1:8443\n", "peer.yaml", peer_schema()));
}

TEST_CASE("enroll-server keys: advertise is the document's enrollment URL; 0.0.0.0 needs it") {
  std::string base = "overlay: p2p.example.com\nca_dir: /srv/ca\nusers: " + users_file() + "\n";
  auto wildcard = resolve(base + "listen: 0.0.0.0:8443\n", {}, {});
  REQUIRE(wildcard);
  auto refused = to_enroll_server_config(*wildcard);
  REQUIRE_FALSE(refused);  // the document would send the nodes to 0.0.0.0
  CHECK(refused.error().key == "advertise");

  auto named = resolve(base + "listen: 0.0.0.0:8443\n", {{"P2PSIP_ADVERTISE", "p2psip-enroll"}}, {});
  REQUIRE(named);
  auto c = to_enroll_server_config(*named);
  REQUIRE(c);
  REQUIRE(c->advertise);
  CHECK(c->advertise->host == "p2psip-enroll");
  CHECK(c->advertise->port == 8443);  // listen's

  auto port = resolve(base + "listen: 0.0.0.0:8443\nadvertise: enroll.example.com:443\n", {}, {});
  REQUIRE(port);
  CHECK(to_enroll_server_config(*port)->advertise->port == 443);

  CHECK_FALSE(resolve(base + "listen: 127.0.0.1:8443\nadvertise: 0.0.0.0\n", {}, {}));

  auto specific = resolve(base + "listen: 127.0.0.1:8443\n", {}, {});
  REQUIRE(specific);
  auto s = to_enroll_server_config(*specific);
  REQUIRE(s);
  CHECK_FALSE(s->advertise);
}

TEST_CASE("gateway enroll keys: the standalone server's lockout, sequence and bad-node file") {
  const Schema& schema = gateway_schema();
  auto defaults = resolve_settings(schema, {}, {}, {});
  REQUIRE(defaults);
  InProcessEnrollConfig d = to_gateway_config(*defaults).enroll_server;
  CHECK(d.lockout == 3);
  CHECK(d.sequence == 1);
  CHECK(d.bad_nodes_file.empty());
  auto file = layer_from_yaml("enroll_lockout: 5\nenroll_bad_nodes_file: /srv/bad\n", "gw.yaml", schema);
  REQUIRE(file);
  auto env = layer_from_env({{"P2PSIP_ENROLL_SEQUENCE", "9"}}, schema);
  REQUIRE(env);
  auto set = resolve_settings(schema, *file, *env, {{"enroll_lockout", {"2"}}});
  REQUIRE(set);
  InProcessEnrollConfig e = to_gateway_config(*set).enroll_server;
  CHECK(e.lockout == 2);  // the flag over the file
  CHECK(e.sequence == 9);
  CHECK(e.bad_nodes_file == "/srv/bad");
  for (const auto& [key, value] : std::map<std::string, std::string>{
           {"enroll_lockout", "0"}, {"enroll_sequence", "65535"}}) {
    auto bad = resolve_settings(schema, {}, {}, {{key, {value}}});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().key == key);
  }
}
