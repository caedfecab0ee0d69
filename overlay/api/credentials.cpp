#include "overlay/api/credentials.h"

#include <chrono>

#include "overlay/security/signature.h"

namespace p2psip::overlay {

namespace {

namespace sec = p2psip::security;

Error config_error(const std::string& field, std::string message) {
  return Error{Error::Kind::kConfig, field, std::move(message)};
}

}  // namespace

bool key_matches(const sec::Certificate& cert, const sec::PrivateKey& key) {
  const Bytes probe{std::byte{'p'}, std::byte{'2'}, std::byte{'p'}};
  auto alg = sec::default_algorithm(key.type());
  auto sig = sec::sign(key, alg, probe);
  return sig && sec::verify(cert, alg, probe, *sig).has_value();
}

Expected<peer::NodeCredentials, Error> load_credentials(const std::string& overlay,
                                                        const CredentialFiles& f) {
  auto cert = sec::Certificate::load(f.cert);
  if (!cert) return unexpected(config_error("cert", cert.error()));
  auto key = sec::PrivateKey::load(f.key);
  if (!key) return unexpected(config_error("key", key.error()));
  auto root = sec::RootCertificate::load(f.ca);
  if (!root) return unexpected(config_error("ca", root.error()));
  if (!sec::iequals(cert->overlay(), overlay)) {
    return unexpected(config_error("cert", "'" + f.cert + "' is for overlay '" +
                                               cert->overlay() + "', not '" + overlay + "'"));
  }
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto chain = cert->verify_chain(*root, now);
  if (!chain) {
    return unexpected(config_error(
        "cert", "'" + f.cert + "' does not chain to '" + f.ca + "': " + chain.error()));
  }
  if (!key_matches(*cert, *key)) {
    return unexpected(config_error("key", "'" + f.key + "' is not the key of '" + f.cert + "'"));
  }
  std::vector<sec::RootCertificate> roots;
  roots.push_back(std::move(*root));
  return peer::NodeCredentials{std::move(*cert), std::move(*key), std::move(roots)};
}

Expected<peer::NodeCredentials, Error> load_renewed(const std::string& overlay,
                                                    const CredentialFiles& f) {
  auto cert = sec::Certificate::load(f.cert, overlay);
  if (!cert) return unexpected(config_error("cert", "'" + f.cert + "': " + cert.error()));
  auto key = sec::PrivateKey::load(f.key);
  if (!key) return unexpected(config_error("key", "'" + f.key + "': " + key.error()));
  if (!key_matches(*cert, *key)) {
    return unexpected(config_error("key", "'" + f.key + "' is not the key of '" + f.cert + "'"));
  }
  return peer::NodeCredentials{std::move(*cert), std::move(*key), {}};
}

Expected<wire::IpAddressPort, std::string> literal_endpoint(const Endpoint& e) {
  if (auto a = peer::make_address(e.host, e.port)) return *a;
  return unexpected("'" + e.host + ":" + std::to_string(e.port) +
                    "': bootstrap must be an IP literal; resolve it first (e.g. uv_getaddrinfo)");
}

}  // namespace p2psip::overlay
