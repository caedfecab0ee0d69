// The SIP-side keys of `p2psip gateway` (issue 7): each from YAML, environment and flag, the
// derived defaults, the structured static_registrations key and the errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "gateway/config/gateway_config.h"
#include "gateway/config/phones.h"
#include "gateway/config/settings.h"

using namespace p2psip::config;
using p2psip::Expected;
using p2psip::unexpected;

namespace {

Expected<Settings, ConfigError> from_yaml(const std::string& yaml) {
  auto layer = layer_from_yaml(yaml, "gw.yaml", gateway_schema());
  if (!layer) return unexpected(layer.error());
  return resolve_settings(gateway_schema(), *layer, {}, {});
}

GatewayConfig config_of(const Layer& file, const Layer& env, const Layer& flags) {
  auto s = resolve_settings(gateway_schema(), file, env, flags);
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().to_string()));
  return to_gateway_config(*s);
}

ConfigError error_of(const Layer& file, const Layer& env, const Layer& flags) {
  auto s = resolve_settings(gateway_schema(), file, env, flags);
  REQUIRE_FALSE(s.has_value());
  return s.error();
}

const char* kStatic = R"(
static_registrations:
  - aor: pstn@p2p.example.com
    contact: sip:carrier-gw.example.net;transport=tls
    cert: /etc/p2psip/pstn.crt
    key: /etc/p2psip/pstn.key
  - aor: voicemail@p2p.example.com
    contact: "sip:vm@192.0.2.5:5070"
    cert: vm.crt
    key: vm.key
)";

}  // namespace

TEST_CASE("SIP-side defaults derive from the overlay name") {
  GatewayConfig c = config_of({{"overlay", {"o.example"}}}, {}, {});
  CHECK(c.domain == "o.example");
  CHECK(c.aliases.empty());
  CHECK(c.record_route);
  CHECK(c.forking == Forking::kParallel);
  CHECK(c.service_aor == "gateway@o.example");
  CHECK(c.realm == "o.example");
  CHECK(c.phones_file.empty());
  CHECK(c.trusted_networks.empty());
  CHECK(c.static_registrations.empty());
  CHECK_FALSE(c.is_trusted("127.0.0.1"));

  GatewayConfig d = config_of({}, {}, {{"domain", {"sip.example"}}});
  CHECK(d.service_aor == "gateway@sip.example");
  CHECK(d.realm == "sip.example");
  CHECK(d.overlay == "p2p.example.com");
}

TEST_CASE("every SIP-side key from the YAML file") {
  auto s = from_yaml(R"(
trusted_network: [10.0.0.0/8, "2001:db8::/32"]
domain: sip.example.com
alias:
  - example.com
  - Other.Example
record_route: false
forking: sequential
service_aor: svc@sip.example.com
realm: "Example Phones"
)");
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().to_string()));
  GatewayConfig c = to_gateway_config(*s);
  REQUIRE(c.trusted_networks.size() == 2);
  CHECK(c.is_trusted("10.20.30.40"));
  CHECK(c.is_trusted("2001:db8::9"));
  CHECK_FALSE(c.is_trusted("192.0.2.1"));
  CHECK(c.domain == "sip.example.com");
  CHECK(c.aliases == std::vector<std::string>{"example.com", "Other.Example"});
  CHECK(c.serves_domain("SIP.example.com"));
  CHECK(c.serves_domain("other.example"));
  CHECK_FALSE(c.serves_domain("evil.example"));
  CHECK_FALSE(c.record_route);
  CHECK(c.forking == Forking::kSequential);
  CHECK(c.service_aor == "svc@sip.example.com");
  CHECK(c.realm == "Example Phones");
}

TEST_CASE("every SIP-side key from the environment and from flags") {
  auto env = layer_from_env({{"P2PSIP_TRUSTED_NETWORK", "10.0.0.0/8, ::1"},
                             {"P2PSIP_DOMAIN", "env.example"},
                             {"P2PSIP_ALIAS", "a.example,b.example"},
                             {"P2PSIP_RECORD_ROUTE", "false"},
                             {"P2PSIP_FORKING", "sequential"},
                             {"P2PSIP_SERVICE_AOR", "gw@env.example"},
                             {"P2PSIP_REALM", "env realm"},
                             {"P2PSIP_PHONES_FILE", ""}},
                            gateway_schema());
  REQUIRE(env.has_value());
  GatewayConfig e = config_of({}, *env, {});
  CHECK(e.trusted_networks.size() == 2);
  CHECK(e.is_trusted("::1"));
  CHECK(e.domain == "env.example");
  CHECK(e.aliases.size() == 2);
  CHECK_FALSE(e.record_route);
  CHECK(e.forking == Forking::kSequential);
  CHECK(e.service_aor == "gw@env.example");
  CHECK(e.realm == "env realm");

  Layer flags = {{"trusted_network", {"192.168.0.0/16"}}, {"domain", {"flag.example"}},
                 {"alias", {"c.example"}},     {"record_route", {"true"}},
                 {"forking", {"parallel"}},    {"service_aor", {"x@flag.example"}},
                 {"realm", {"flag realm"}}};
  GatewayConfig f = config_of({}, *env, flags);
  REQUIRE(f.trusted_networks.size() == 1);
  CHECK(f.trusted_networks[0].to_string() == "192.168.0.0/16");
  CHECK(f.domain == "flag.example");
  CHECK(f.aliases == std::vector<std::string>{"c.example"});
  CHECK(f.record_route);
  CHECK(f.forking == Forking::kParallel);
  CHECK(f.service_aor == "x@flag.example");
  CHECK(f.realm == "flag realm");
}

TEST_CASE("bad SIP-side values name the key") {
  struct Case { const char* key; const char* value; };
  for (Case c : {Case{"trusted_network", "10.0.0.1/8"}, Case{"trusted_network", "nope"},
                 Case{"domain", "bad domain"}, Case{"alias", "x_y"},
                 Case{"record_route", "yes"}, Case{"forking", "serial"},
                 Case{"service_aor", "sip:gw@example.com"}, Case{"service_aor", "gateway"},
                 Case{"realm", "a\"b"}, Case{"phones_file", "/nonexistent/phones"}}) {
    CAPTURE(c.key);
    CAPTURE(c.value);
    ConfigError e = error_of({}, {}, {{c.key, {c.value}}});
    CHECK(e.key == c.key);
    CHECK(e.message.find("command line") != std::string::npos);
  }
  CHECK(error_of({}, {}, {{"forking", {"parallel", "sequential"}}}).key == "forking");
}

TEST_CASE("phones_file is read and checked at load, errors carry the line") {
  auto path = std::filesystem::temp_directory_path() /
              ("p2psip-test-cfg-phones-" + std::to_string(getpid()) + ".txt");
  std::ofstream(path) << "# phones\nalice secret\nbob\n";
  ConfigError e = error_of({{"phones_file", {path.string()}}}, {}, {});
  CHECK(e.key == "phones_file");
  CHECK(e.message.find("line 3") != std::string::npos);
  CHECK(e.message.find("config file") != std::string::npos);

  std::ofstream(path) << "alice secret\nbob pw\n";
  CHECK(config_of({}, {}, {{"phones_file", {path.string()}}}).phones_file == path.string());
  std::filesystem::remove(path);
}

TEST_CASE("nonce_secret_file: read at load, 16 bytes at least, trailing line end ignored") {
  auto path = std::filesystem::temp_directory_path() /
              ("p2psip-test-cfg-nonce-" + std::to_string(getpid()) + ".txt");
  std::ofstream(path) << "too-short\n";
  ConfigError e = error_of({}, {{"nonce_secret_file", {path.string()}}}, {});
  CHECK(e.key == "nonce_secret_file");
  CHECK(e.message.find("at least 16") != std::string::npos);
  CHECK(error_of({}, {}, {{"nonce_secret_file", {"/nonexistent/secret"}}}).key == "nonce_secret_file");

  std::ofstream(path) << "0123456789abcdef0123\r\n";
  CHECK(config_of({}, {}, {{"nonce_secret_file", {path.string()}}}).nonce_secret_file == path.string());
  CHECK(read_nonce_secret(path.string()).value() == "0123456789abcdef0123");
  CHECK(config_of({}, {}, {}).nonce_secret_file.empty());
  std::filesystem::remove(path);
}

TEST_CASE("static_registrations: a list of maps in the YAML file") {
  auto s = from_yaml(kStatic);
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().to_string()));
  GatewayConfig c = to_gateway_config(*s);
  REQUIRE(c.static_registrations.size() == 2);
  CHECK(c.static_registrations[0] ==
        StaticRegistrationConfig{"pstn@p2p.example.com", "sip:carrier-gw.example.net;transport=tls",
                                 "/etc/p2psip/pstn.crt", "/etc/p2psip/pstn.key"});
  CHECK(c.static_registrations[1].contact == "sip:vm@192.0.2.5:5070");
  CHECK(s->source("static_registrations") == Source::kFile);
  CHECK(to_gateway_config(*from_yaml("static_registrations: []")).static_registrations.empty());
  CHECK(to_gateway_config(*from_yaml("static_registrations:")).static_registrations.empty());
}

TEST_CASE("static_registrations errors name the entry index and the field") {
  auto entry = [](const std::string& fields) {
    return "static_registrations:\n  - aor: a@p2p.example.com\n    contact: sip:a.example\n"
           "    cert: a.crt\n    key: a.key\n  - " + fields;
  };
  struct Case { std::string yaml; const char* key; };
  for (const Case& c : {
           Case{entry("aor: b@p2p.example.com\n    cert: b.crt\n    key: b.key\n"),
                "static_registrations[1].contact"},
           Case{entry("aor: b@p2p.example.com\n    contact: http://x\n    cert: b\n    key: b\n"),
                "static_registrations[1].contact"},
           Case{entry("aor: sip:b@p2p.example.com\n    contact: sip:x\n    cert: b\n    key: b\n"),
                "static_registrations[1].aor"},
           Case{entry("aor: b@p2p.example.com\n    contact: sip:x\n    cert: b\n    key: b\n"
                      "    kee: typo\n"),
                "static_registrations[1].kee"},
           Case{entry("aor: b@p2p.example.com\n    contact: sip:x\n    cert: \"\"\n    key: b\n"),
                "static_registrations[1].cert"},
       }) {
    CAPTURE(c.yaml);
    auto s = from_yaml(c.yaml);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().key == c.key);
  }
  for (const char* shape : {"static_registrations: pstn@p2p.example.com",
                            "static_registrations: {aor: x}",
                            "static_registrations:\n  - just-a-string",
                            "static_registrations:\n  - aor: [a, b]"}) {
    CAPTURE(shape);
    auto s = from_yaml(shape);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().key == "static_registrations");
  }
}

TEST_CASE("static_registrations has no environment variable") {
  auto env = layer_from_env({{"P2PSIP_STATIC_REGISTRATIONS", "x"}}, gateway_schema());
  REQUIRE_FALSE(env.has_value());
  CHECK(env.error().message.find("config file") != std::string::npos);
}

TEST_CASE("--print-config output with every new key is accepted back") {
  auto layer = layer_from_yaml(kStatic, "gw.yaml", gateway_schema());
  REQUIRE(layer.has_value());
  Layer flags = {{"trusted_network", {"10.0.0.0/8", "::1/128"}}, {"alias", {"a.example"}},
                 {"record_route", {"false"}}, {"forking", {"sequential"}},
                 {"realm", {"Realm: #1 'x'"}}};
  auto first = resolve_settings(gateway_schema(), *layer, {}, flags);
  REQUIRE(first.has_value());
  std::string text = render_yaml(*first, gateway_schema());
  CHECK(text.find("static_registrations:  # config file") != std::string::npos);
  auto again = from_yaml(text);
  REQUIRE_MESSAGE(again.has_value(), ((again ? std::string() : again.error().to_string()) + "\n" + text));
  GatewayConfig a = to_gateway_config(*first);
  GatewayConfig b = to_gateway_config(*again);
  CHECK(b.static_registrations == a.static_registrations);
  CHECK(b.trusted_networks == a.trusted_networks);
  CHECK(b.aliases == a.aliases);
  CHECK(b.record_route == a.record_route);
  CHECK(b.forking == a.forking);
  CHECK(b.realm == "Realm: #1 'x'");
  CHECK(b.domain == a.domain);
  CHECK(b.service_aor == a.service_aor);

  auto defaults = resolve_settings(gateway_schema(), {}, {}, {});
  REQUIRE(defaults.has_value());
  std::string plain = render_yaml(*defaults, gateway_schema());
  CHECK(plain.find("static_registrations: []") != std::string::npos);
  CHECK(from_yaml(plain).has_value());
}

TEST_CASE("sip_t1_ms: 500 by default, from YAML, environment and flags, checked") {
  CHECK(config_of({}, {}, {}).sip_t1_ms == 500);
  auto s = from_yaml("sip_t1_ms: 250\n");
  REQUIRE(s.has_value());
  CHECK(to_gateway_config(*s).sip_t1_ms == 250);
  auto env = layer_from_env({{"P2PSIP_SIP_T1_MS", "100"}}, gateway_schema());
  REQUIRE(env.has_value());
  CHECK(config_of({}, *env, {}).sip_t1_ms == 100);
  CHECK(config_of({}, *env, {{"sip_t1_ms", {"50"}}}).sip_t1_ms == 50);
  CHECK(config_of({}, {}, {{"sip_t1_ms", {"10"}}}).sip_t1_ms == 10);
  CHECK(config_of({}, {}, {{"sip_t1_ms", {"10000"}}}).sip_t1_ms == 10000);
  for (const char* bad : {"0", "9", "10001", "-5", "fast", "50ms", "", "99999999999"}) {
    CAPTURE(bad);
    CHECK(error_of({}, {}, {{"sip_t1_ms", {bad}}}).key == "sip_t1_ms");
  }
}

TEST_CASE("digest_md5_first: false by default, true from YAML, environment or flag") {
  CHECK_FALSE(config_of({}, {}, {}).digest_md5_first);
  auto s = from_yaml("digest_md5_first: true\n");
  REQUIRE(s.has_value());
  CHECK(to_gateway_config(*s).digest_md5_first);
  auto env = layer_from_env({{"P2PSIP_DIGEST_MD5_FIRST", "true"}}, gateway_schema());
  REQUIRE(env.has_value());
  CHECK(config_of({}, *env, {}).digest_md5_first);
  CHECK_FALSE(config_of({}, *env, {{"digest_md5_first", {"false"}}}).digest_md5_first);
  CHECK(error_of({}, {}, {{"digest_md5_first", {"yes"}}}).key == "digest_md5_first");
}

TEST_CASE("config_watch: seconds from 0 (off, the default) to 3600, from file, env and flag") {
  CHECK(config_of({}, {}, {}).config_watch == 0);
  CHECK(config_of({{"config_watch", {"5"}}}, {}, {}).config_watch == 5);
  CHECK(config_of({}, {{"config_watch", {"3600"}}}, {}).config_watch == 3600);
  CHECK(error_of({}, {}, {{"config_watch", {"3601"}}}).key == "config_watch");
  CHECK(error_of({{"config_watch", {"-1"}}}, {}, {}).key == "config_watch");
}

TEST_CASE("drain_grace: 10 s by default, 0 turns the drain off, from YAML, environment and flags") {
  CHECK(config_of({}, {}, {}).drain_grace_s == 10);
  auto s = from_yaml("drain_grace: 30\n");
  REQUIRE(s.has_value());
  CHECK(to_gateway_config(*s).drain_grace_s == 30);
  auto env = layer_from_env({{"P2PSIP_DRAIN_GRACE", "0"}}, gateway_schema());
  REQUIRE(env.has_value());
  CHECK(config_of({}, *env, {}).drain_grace_s == 0);
  CHECK(config_of({}, *env, {{"drain_grace", {"3600"}}}).drain_grace_s == 3600);
  for (const char* bad : {"3601", "-1", "ten", "10s", ""}) {
    CAPTURE(bad);
    CHECK(error_of({}, {}, {{"drain_grace", {bad}}}).key == "drain_grace");
  }
}

TEST_CASE("drain_call_max_idle: 7200 s by default, 60..86400, from YAML and flags") {
  CHECK(config_of({}, {}, {}).drain_call_max_idle_s == 7200);
  auto s = from_yaml("drain_call_max_idle: 600\n");
  REQUIRE(s);
  CHECK(to_gateway_config(*s).drain_call_max_idle_s == 600);
  CHECK(config_of({}, {}, {{"drain_call_max_idle", {"86400"}}}).drain_call_max_idle_s == 86400);
  for (const char* bad : {"59", "86401", "ten", ""}) {
    CAPTURE(bad);
    CHECK(error_of({}, {}, {{"drain_call_max_idle", {bad}}}).key == "drain_call_max_idle");
  }
}
