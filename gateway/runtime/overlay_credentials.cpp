#include "gateway/runtime/overlay_credentials.h"

#include <chrono>
#include <filesystem>

#include <netdb.h>
#include <sys/socket.h>

#include "gateway/config/advertise.h"
#include "gateway/runtime/interface_addresses.h"
#include "overlay/security/ca_dir.h"
#include "overlay/security/signature.h"

namespace p2psip::runtime {

namespace {

namespace fs = std::filesystem;
namespace sec = p2psip::security;

StartError config_error(const std::string& key, const std::string& message) {
  return StartError{2, "config error: " + key + ": " + message};
}

sec::SysSeconds now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// The key must belong to the certificate: sign and verify a few bytes.
bool key_matches(const sec::Certificate& cert, const sec::PrivateKey& key) {
  const Bytes probe{std::byte{'p'}, std::byte{'2'}, std::byte{'p'}};
  auto alg = sec::default_algorithm(key.type());
  auto sig = sec::sign(key, alg, probe);
  return sig && sec::verify(cert, alg, probe, *sig).has_value();
}

Expected<peer::NodeCredentials, StartError> load_files(const config::OverlayConfig& c,
                                                       const std::string& cert_key,
                                                       const std::string& key_key,
                                                       const std::string& ca_key,
                                                       const fs::path& cert_path,
                                                       const fs::path& key_path,
                                                       const fs::path& ca_path) {
  auto cert = sec::Certificate::load(cert_path);
  if (!cert) return unexpected(config_error(cert_key, cert.error()));
  auto key = sec::PrivateKey::load(key_path);
  if (!key) return unexpected(config_error(key_key, key.error()));
  auto root = sec::RootCertificate::load(ca_path);
  if (!root) return unexpected(config_error(ca_key, root.error()));
  if (!sec::iequals(cert->overlay(), c.overlay)) {
    return unexpected(config_error(cert_key, "'" + cert_path.string() + "' is for overlay '" +
                                                 cert->overlay() + "', not '" + c.overlay + "'"));
  }
  auto chain = cert->verify_chain(*root, now());
  if (!chain) {
    return unexpected(config_error(cert_key, "'" + cert_path.string() + "' does not chain to '" +
                                                 ca_path.string() + "': " + chain.error()));
  }
  if (!key_matches(*cert, *key)) {
    return unexpected(config_error(key_key, "'" + key_path.string() +
                                                "' is not the key of '" + cert_path.string() + "'"));
  }
  std::vector<sec::RootCertificate> roots;
  roots.push_back(std::move(*root));
  return peer::NodeCredentials{std::move(*cert), std::move(*key), std::move(roots)};
}

Expected<peer::NodeCredentials, StartError> dev_credentials(const config::OverlayConfig& c,
                                                            spdlog::logger& log) {
  fs::path data(c.data_dir);
  fs::path ca_dir = data / "dev-ca";
  fs::path prefix = data / "node";
  fs::path cert_path = data / "node.crt";
  if (!fs::exists(sec::ca_cert_path(ca_dir))) {
    auto r = sec::init_ca_dir({c.overlay, ca_dir, sec::KeyType::rsa2048, sec::kDefaultRootDays},
                              now());
    if (!r) return unexpected(StartError{r.error().exit_code(), "dev CA: " + r.error().message});
    log.warn("created a DEVELOPMENT CA for overlay '{}' in {}", c.overlay, ca_dir.string());
  }
  auto root = sec::RootCertificate::load(sec::ca_cert_path(ca_dir));
  if (root && !sec::iequals(root->overlay(), c.overlay)) {
    return unexpected(config_error("overlay", "the development CA in '" + ca_dir.string() +
                                                  "' is for overlay '" + root->overlay() +
                                                  "', not '" + c.overlay + "'"));
  }
  if (!fs::exists(cert_path)) {
    sec::CaIssueOptions o{ca_dir, "node@" + c.overlay, {}, sec::KeyType::rsa2048,
                          sec::kDefaultIssueDays, prefix};
    auto r = sec::issue_to_files(o, now());
    if (!r) return unexpected(StartError{r.error().exit_code(), "dev CA: " + r.error().message});
  }
  log.warn("no cert/key/ca configured: using the DEVELOPMENT CA in {} and the node certificate "
           "{} (a new single-node overlay; not for production: give --cert, --key and --ca)",
           ca_dir.string(), cert_path.string());
  return load_files(c, "data_dir", "data_dir", "data_dir", cert_path, data / "node.key",
                    sec::ca_cert_path(ca_dir));
}

// A bootstrap HostPort as a wire address; names are resolved once, at startup.
Expected<wire::IpAddressPort, std::string> bootstrap_address(const config::HostPort& hp) {
  if (auto a = peer::make_address(hp.host, hp.port)) return *a;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(hp.host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    return unexpected("cannot resolve '" + hp.host + "': " + gai_strerror(rc));
  }
  char host[NI_MAXHOST] = {};
  getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(res);
  auto a = peer::make_address(host, hp.port);
  if (!a) return unexpected("cannot resolve '" + hp.host + "'");
  return *a;
}

}  // namespace

Expected<OverlayPlan, StartError> prepare_overlay(const config::OverlayConfig& c,
                                                  spdlog::logger& log) {
  peer::NodeConfig nc;
  nc.overlay = c.overlay;
  nc.listen_ip = c.overlay_listen.host;
  nc.listen_port = c.overlay_listen.port;
  for (const auto& b : c.bootstrap) {
    auto a = bootstrap_address(b);
    if (!a) return unexpected(config_error("bootstrap", a.error()));
    nc.bootstrap.push_back(*a);
  }
  auto credentials = load_credentials(c, log);
  if (!credentials) return unexpected(credentials.error());
  std::optional<config::HostPort> advertise;
  if (!c.overlay_advertise.empty()) {
    advertise = config::HostPort{c.overlay_advertise, c.overlay_listen.port,
                                 c.overlay_advertise.find(':') != std::string::npos};
  }
  auto announced = config::resolve_advertise(c.overlay_listen, advertise, interface_addresses(),
                                             "overlay_advertise");
  nc.advertise_ip = announced.address.host;
  return OverlayPlan{std::move(nc), std::move(*credentials), c.log_level, announced.warning};
}

Expected<peer::NodeCredentials, StartError> load_credentials(const config::OverlayConfig& c,
                                                             spdlog::logger& log) {
  int given = !c.cert.empty() + !c.key.empty() + !c.ca.empty();
  if (given == 3) return load_files(c, "cert", "key", "ca", c.cert, c.key, c.ca);
  if (given != 0) {
    const char* missing = c.cert.empty() ? "cert" : c.key.empty() ? "key" : "ca";
    return unexpected(config_error(missing, "cert, key and ca must be given together"));
  }
  if (!c.bootstrap.empty()) {
    return unexpected(config_error(
        "cert", "joining through bootstrap peers needs cert, key and ca from the overlay's CA "
                "(the development CA only serves a new single-node overlay)"));
  }
  return dev_credentials(c, log);
}

}  // namespace p2psip::runtime
