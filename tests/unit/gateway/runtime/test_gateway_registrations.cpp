// The gateway's kept registrations: each static registration needs a certificate for its AoR
// holding the gateway's Node-ID (else a startup error naming the entry); the service AoR is
// registered only when the gateway's own certificate is for it.
#include <doctest/doctest.h>

#include <spdlog/sinks/null_sink.h>

#include <filesystem>
#include <fstream>

#include "gateway/runtime/gateway_registrations.h"
#include "p2psip/overlay/ca.h"

namespace p2psip::runtime {

namespace fs = std::filesystem;

namespace {

constexpr const char* kOverlay = "p2p.example.com";

struct Issued {
  GatewayIdentity identity;  // as a gateway with this certificate would be
  std::string cert_path;
  std::string key_path;
};

// A certificate for `user` with the Node-ID of 16 `id_fill` bytes (hex "1111..."), from the
// CA in `dir`/ca.
Issued issue(const fs::path& dir, const std::string& user, const std::string& id_fill) {
  std::string node_id;
  for (int i = 0; i < 16; ++i) node_id += id_fill;
  std::string prefix = (dir / (user + "-" + id_fill)).string();
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto r = overlay::issue_certificate({(dir / "ca").string(), user, {node_id},
                                       overlay::KeyType::kEcP256, 30, prefix}, now);
  REQUIRE(r);
  auto who = overlay::Registrant::load(r->cert_path, r->key_path, user, kOverlay, node_id);
  REQUIRE(who);
  return {GatewayIdentity{node_id, user, *who}, r->cert_path, r->key_path};
}

}  // namespace

TEST_CASE("static registrations and the service AoR kept by the gateway") {
  fs::path dir = fs::temp_directory_path() / ("p2p-gwreg-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  REQUIRE(overlay::init_ca({kOverlay, (dir / "ca").string(), overlay::KeyType::kEcP256, 365}, now));
  auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  auto gateway = issue(dir, "gateway@p2p.example.com", "11");
  auto pstn = issue(dir, "pstn@p2p.example.com", "11");       // gateway's Node-ID
  auto foreign = issue(dir, "pstn@p2p.example.com", "22");    // another Node-ID
  auto other_user = issue(dir, "carol@p2p.example.com", "11");

  config::GatewayConfig c;
  c.overlay = kOverlay;
  c.domain = kOverlay;
  c.service_aor = "gateway@p2p.example.com";
  c.sip_listen = config::HostPort{"127.0.0.1", 5070};
  c.static_registrations = {{"pstn@P2P.example.com", "sip:carrier.example.net", pstn.cert_path, pstn.key_path},
                            {"pstn@p2p.example.com", "sip:backup.example.net", pstn.cert_path, pstn.key_path}};
  config::HostPort advertise{"192.0.2.7", 5080};
  auto kept = plan_static_registrations(c, advertise, gateway.identity, *log);
  REQUIRE(kept);
  REQUIRE(kept->size() == 1);  // one dictionary entry per AoR and gateway
  CHECK((*kept)[0].aor == "pstn@p2p.example.com");
  CHECK((*kept)[0].who.node_id() == gateway.identity.node_id);
  // Two contacts: the gateway's own URI at its advertised address (it forks to both).
  CHECK((*kept)[0].value == overlay::Contact::make_uri("sip:pstn@192.0.2.7:5080"));
  c.static_registrations.pop_back();
  kept = plan_static_registrations(c, advertise, gateway.identity, *log);
  REQUIRE(kept);
  REQUIRE(kept->size() == 1);
  CHECK((*kept)[0].value == overlay::Contact::make_uri("sip:carrier.example.net"));

  c.static_registrations = {{"pstn@p2p.example.com", "sip:x@h", foreign.cert_path, foreign.key_path}};
  auto wrong_node = plan_static_registrations(c, advertise, gateway.identity, *log);
  REQUIRE_FALSE(wrong_node);
  CHECK(wrong_node.error().exit_code == 2);
  CHECK(wrong_node.error().message.find("static_registrations[0] (pstn@p2p.example.com)") != std::string::npos);
  CHECK(wrong_node.error().message.find("Node-ID") != std::string::npos);

  c.static_registrations = {{"pstn@p2p.example.com", "sip:x@h", other_user.cert_path, other_user.key_path}};
  auto wrong_user = plan_static_registrations(c, advertise, gateway.identity, *log);
  REQUIRE_FALSE(wrong_user);
  CHECK(wrong_user.error().message.find("carol@p2p.example.com") != std::string::npos);

  c.static_registrations = {{"pstn@p2p.example.com", "sip:x@h", pstn.cert_path, gateway.key_path}};
  auto wrong_key = plan_static_registrations(c, advertise, gateway.identity, *log);
  REQUIRE_FALSE(wrong_key);
  CHECK(wrong_key.error().message.find("is not the key") != std::string::npos);

  c.static_registrations = {{"pstn@p2p.example.com", "sip:x@h", (dir / "missing.crt").string(), pstn.key_path}};
  CHECK_FALSE(plan_static_registrations(c, advertise, gateway.identity, *log));

  // The service AoR's contact is the advertised address, not sip_listen.
  auto service = plan_service_registration(c, advertise, gateway.identity, *log);
  REQUIRE(service.size() == 1);
  CHECK(service[0].aor == "gateway@p2p.example.com");
  CHECK(service[0].value == overlay::Contact::make_uri("sip:gateway@192.0.2.7:5080"));
  c.service_aor = "other@p2p.example.com";
  CHECK(plan_service_registration(c, advertise, gateway.identity, *log).empty());  // not its certificate's user
  fs::remove_all(dir);
}

}  // namespace p2psip::runtime
