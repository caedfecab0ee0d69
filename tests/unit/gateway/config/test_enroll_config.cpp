// The enrollment keys of `p2psip peer` and `p2psip gateway` (enroll_config.h): in both schemas,
// from YAML, and bad values naming the key.
#include <doctest/doctest.h>

#include <string>

#include "gateway/config/gateway_config.h"
#include "gateway/config/settings.h"

using namespace p2psip::config;

namespace {

p2psip::Expected<Settings, ConfigError> from_yaml(const std::string& yaml, const Schema& schema) {
  auto layer = layer_from_yaml(yaml, "node.yaml", schema);
  if (!layer) return p2psip::unexpected(layer.error());
  return resolve_settings(schema, *layer, {}, {});
}

const std::string kFingerprint(64, 'a');

}  // namespace

TEST_CASE("enroll keys: in the peer's and the gateway's schema, off by default") {
  for (const Schema* schema : {&peer_schema(), &gateway_schema()}) {
    auto s = from_yaml("", *schema);
    REQUIRE(s);
    CHECK_FALSE(to_overlay_config(*s).enroll.enabled());
    auto e = from_yaml("enroll: https://192.0.2.1:8443/.well-known/reload-config\nuser: alice\n"
                       "enroll_fingerprint: \"" + kFingerprint + "\"\n", *schema);
    REQUIRE(e);
    EnrollConfig c = to_overlay_config(*e).enroll;
    CHECK(c.enabled());
    CHECK(c.url == "https://192.0.2.1:8443/.well-known/reload-config");
    CHECK(c.user == "alice");
    CHECK(c.fingerprint == kFingerprint);
  }
}

TEST_CASE("enroll keys: bad values name their key") {
  auto url = from_yaml("enroll: http://192.0.2.1/.well-known/reload-config\n", peer_schema());
  REQUIRE_FALSE(url);
  CHECK(url.error().key == "enroll");
  auto fp = from_yaml("enroll_fingerprint: abcd\n", peer_schema());
  REQUIRE_FALSE(fp);
  CHECK(fp.error().key == "enroll_fingerprint");
  CHECK_FALSE(check_fingerprint(kFingerprint));
  CHECK_FALSE(check_fingerprint("AA:" + std::string(62, 'b')));
  CHECK(check_fingerprint(kFingerprint + "0"));
  CHECK(check_fingerprint(std::string(63, 'a') + "g"));
  auto pw = from_yaml("password_file: /nonexistent/pw\n", gateway_schema());
  REQUIRE_FALSE(pw);
  CHECK(pw.error().key == "password_file");
}
