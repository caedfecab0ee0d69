// The gateway's kept registrations: each static registration needs a certificate for its AoR
// holding the gateway's Node-ID (else a startup error naming the entry); the service AoR is
// registered only when the gateway's own certificate is for it.
#include <doctest/doctest.h>

#include <spdlog/sinks/null_sink.h>

#include <filesystem>
#include <fstream>

#include "gateway/runtime/gateway_registrations.h"
#include "overlay/security/ca.h"

namespace p2psip::runtime {

namespace sec = p2psip::security;
namespace fs = std::filesystem;

namespace {

const sec::SysSeconds kNow{std::chrono::seconds{1'700'000'000}};
constexpr const char* kOverlay = "p2p.example.com";

struct Issued {
  peer::NodeCredentials creds;
  std::string cert_path;
  std::string key_path;
};

Issued issue(const sec::CertificateAuthority& ca, const std::string& user, std::byte id_fill,
             const fs::path& dir) {
  sec::NodeId id{};
  id.fill(id_fill);
  auto c = ca.issue(sec::IssueRequest{user, {id}, sec::KeyType::ec_p256, 30}, kNow);
  REQUIRE(c);
  std::string base = (dir / (user + "-" + std::to_string(static_cast<int>(id_fill)))).string();
  auto pem = c->certificate.to_pem();
  REQUIRE(pem);
  std::ofstream(base + ".crt", std::ios::binary)
      .write(reinterpret_cast<const char*>(pem->data()), static_cast<std::streamsize>(pem->size()));
  REQUIRE(c->key.save(base + ".key"));
  std::vector<sec::RootCertificate> roots;
  roots.push_back(*sec::RootCertificate::from_der(ca.root().der()));
  return {peer::NodeCredentials{c->certificate, std::move(c->key), std::move(roots)}, base + ".crt",
          base + ".key"};
}

}  // namespace

TEST_CASE("static registrations and the service AoR kept by the gateway") {
  auto ca = sec::CertificateAuthority::create(kOverlay, sec::KeyType::ec_p256, 365,
                                              kNow - std::chrono::hours(1));
  REQUIRE(ca);
  fs::path dir = fs::temp_directory_path() / ("p2p-gwreg-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  auto gateway = issue(*ca, "gateway@p2p.example.com", std::byte{0x11}, dir);
  auto pstn = issue(*ca, "pstn@p2p.example.com", std::byte{0x11}, dir);       // gateway's Node-ID
  auto foreign = issue(*ca, "pstn@p2p.example.com", std::byte{0x22}, dir);    // another Node-ID
  auto other_user = issue(*ca, "carol@p2p.example.com", std::byte{0x11}, dir);

  config::GatewayConfig c;
  c.overlay = kOverlay;
  c.domain = kOverlay;
  c.service_aor = "gateway@p2p.example.com";
  c.sip_listen = config::HostPort{"127.0.0.1", 5070};
  c.static_registrations = {{"pstn@P2P.example.com", "sip:carrier.example.net", pstn.cert_path, pstn.key_path},
                            {"pstn@p2p.example.com", "sip:backup.example.net", pstn.cert_path, pstn.key_path}};
  config::HostPort advertise{"192.0.2.7", 5080};
  auto kept = plan_static_registrations(c, advertise, gateway.creds, *log);
  REQUIRE(kept);
  REQUIRE(kept->size() == 1);  // one dictionary entry per AoR and gateway
  CHECK((*kept)[0].aor == "pstn@p2p.example.com");
  CHECK((*kept)[0].who.node == wire::NodeId(gateway.creds.cert.node_ids().front()));
  // Two contacts: the gateway's own URI at its advertised address (it forks to both).
  CHECK((*kept)[0].value == wire::SipRegistration::make_uri("sip:pstn@192.0.2.7:5080"));
  c.static_registrations.pop_back();
  kept = plan_static_registrations(c, advertise, gateway.creds, *log);
  REQUIRE(kept);
  REQUIRE(kept->size() == 1);
  CHECK((*kept)[0].value == wire::SipRegistration::make_uri("sip:carrier.example.net"));

  c.static_registrations = {{"pstn@p2p.example.com", "sip:x@h", foreign.cert_path, foreign.key_path}};
  auto wrong_node = plan_static_registrations(c, advertise, gateway.creds, *log);
  REQUIRE_FALSE(wrong_node);
  CHECK(wrong_node.error().exit_code == 2);
  CHECK(wrong_node.error().message.find("static_registrations[0] (pstn@p2p.example.com)") != std::string::npos);
  CHECK(wrong_node.error().message.find("Node-ID") != std::string::npos);

  c.static_registrations = {{"pstn@p2p.example.com", "sip:x@h", other_user.cert_path, other_user.key_path}};
  auto wrong_user = plan_static_registrations(c, advertise, gateway.creds, *log);
  REQUIRE_FALSE(wrong_user);
  CHECK(wrong_user.error().message.find("carol@p2p.example.com") != std::string::npos);

  c.static_registrations = {{"pstn@p2p.example.com", "sip:x@h", pstn.cert_path, gateway.key_path}};
  auto wrong_key = plan_static_registrations(c, advertise, gateway.creds, *log);
  REQUIRE_FALSE(wrong_key);
  CHECK(wrong_key.error().message.find("is not the key") != std::string::npos);

  c.static_registrations = {{"pstn@p2p.example.com", "sip:x@h", (dir / "missing.crt").string(), pstn.key_path}};
  CHECK_FALSE(plan_static_registrations(c, advertise, gateway.creds, *log));

  // The service AoR's contact is the advertised address, not sip_listen.
  auto service = plan_service_registration(c, advertise, gateway.creds, *log);
  REQUIRE(service.size() == 1);
  CHECK(service[0].aor == "gateway@p2p.example.com");
  CHECK(service[0].value == wire::SipRegistration::make_uri("sip:gateway@192.0.2.7:5080"));
  c.service_aor = "other@p2p.example.com";
  CHECK(plan_service_registration(c, advertise, gateway.creds, *log).empty());  // not its certificate's user
  fs::remove_all(dir);
}

}  // namespace p2psip::runtime
