#pragma once
// The gateway's typed configuration and the schema its keys come from.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "gateway/config/cidr.h"
#include "gateway/config/enroll_config.h"
#include "gateway/config/enroll_server_config.h"
#include "gateway/config/host_port.h"
#include "gateway/config/lookup_cache_config.h"
#include "gateway/config/overload_config.h"
#include "gateway/config/settings.h"

namespace p2psip::config {

// The overlay node part, shared by `p2psip peer` and `p2psip gateway` (same keys, same flags).
struct OverlayConfig {
  HostPort overlay_listen;
  std::string overlay_advertise;  // IP announced in Attach; empty: see advertise.h
  HostPort metrics_listen;
  std::vector<HostPort> bootstrap;
  std::string overlay;
  std::string cert;  // PEM file paths; all three empty: the development CA in data_dir
  std::string key;
  std::string ca;
  std::string config_document;  // RFC 6940 §11.1 document; empty: none (sequence 0)
  // Received messages' signatures checked on the overlay's verify thread (the library's
  // NodeConfig::verify_on_worker); false: inline on the loop.
  bool verify_on_worker = true;
  std::string data_dir;
  std::string log_level;
  // The user of the development certificate (no cert/key/ca): empty, node@<overlay>; a
  // gateway's is its service AoR, so that it can register that AoR (USER-NODE-MATCH).
  std::string dev_user;
  EnrollConfig enroll;  // enroll.enabled(): cert, key and ca come from the enrollment server
};

// How a request is proxied to several registered contacts (RFC 3261 §16.6).
enum class Forking { kParallel, kSequential };
const char* to_string(Forking f);

// One `static_registrations` entry (YAML file only): a SIP-REGISTRATION the gateway stores in
// the overlay for an external target, signed with cert/key (whose rfc822Name must be the AoR).
struct StaticRegistrationConfig {
  std::string aor;      // "pstn@p2p.example.com" (no scheme)
  std::string contact;  // "sip:carrier-gw.example.net;transport=tls"
  std::string cert;     // PEM paths
  std::string key;
  bool operator==(const StaticRegistrationConfig&) const = default;
};

struct GatewayConfig : OverlayConfig {
  HostPort sip_listen;
  // The address others use for the gateway's SIP side (contacts stored in the overlay,
  // Record-Route); none: derived from sip_listen (advertise.h). The port defaults to sip_listen's.
  std::optional<HostPort> sip_advertise;
  std::uint32_t registration_lifetime = 3600;  // seconds; refreshed at 2/3 of it
  std::vector<HostPort> dns_servers;  // empty: /etc/resolv.conf
  // Senders that may use the RFC 3263 fallback without authenticating.
  std::vector<Cidr> trusted_networks;
  std::string domain;                 // the overlay's SIP domain; never empty (default: overlay)
  std::vector<std::string> aliases;   // other domains the gateway answers for
  bool record_route = true;
  Forking forking = Forking::kParallel;
  unsigned sip_t1_ms = 500;           // nta's T1; transactions time out after 64*T1
  unsigned sip_t1x64_ms = 0;          // nta's 64*T1 (sip/sip_timers.h); 0: 64 * sip_t1_ms
  // SIP event loops (gateway/runtime/sip_workers.h): worker k on sip_listen's port + k.
  unsigned sip_workers = 1;
  // Connections to the SIP TCP/TLS listeners: at most this many in all, and from one address,
  // per SIP worker.
  unsigned sip_tcp_max_connections = 1024;
  unsigned sip_tcp_max_per_ip = 64;
  std::string service_aor;            // never empty (default: gateway@<domain>)
  std::string realm;                  // digest realm; never empty (default: the domain)
  bool digest_md5_first = false;      // offer MD5 before SHA-256 to plain phones
  // Empty: no plain phones. Validated at load; the runtime reads it with read_phones_file().
  std::string phones_file;
  // Empty: a random nonce secret per process. Validated at load (read_nonce_secret).
  std::string nonce_secret_file;
  std::uint32_t config_watch = 0;  // seconds between looks for changed files; 0: SIGHUP only
  std::vector<StaticRegistrationConfig> static_registrations;
  // SIP over TLS: a listener when sip_tls_listen is set (empty: no TLS at all, TLS targets
  // are skipped). Empty cert/key: the node's overlay certificate and key.
  std::optional<HostPort> sip_tls_listen;
  std::string sip_tls_cert;
  std::string sip_tls_key;
  std::string sip_tls_ca;  // verifies servers the gateway connects to over TLS
  bool sip_tls_verify = true;
  OverloadConfig overload;  // admission control (overload_config.h)
  LookupCacheConfig lookup_cache;  // the proxy's overlay lookup cache (lookup_cache_config.h)
  std::uint32_t drain_grace_s = 10;  // SIGTERM drain, seconds at most; 0: none (drain.h)
  std::uint32_t drain_call_max_idle_s = 7200;  // a call quiet this long is not waited for
  InProcessEnrollConfig enroll_server;  // enroll_listen: the enrollment server in-process

  // The domain or one of the aliases, compared case-insensitively.
  bool serves_domain(std::string_view host) const;
  // Whether a sender's IP literal is inside one of trusted_networks.
  bool is_trusted(std::string_view ip) const;
};

// Every key `p2psip gateway` understands, with defaults, help and validation.
const Schema& gateway_schema();
// Every key `p2psip peer` understands: the overlay part of gateway_schema().
const Schema& peer_schema();

// Converts validated settings (resolve_settings with gateway_schema()) into typed values.
GatewayConfig to_gateway_config(const Settings& settings);
// The same for peer_schema() (or the overlay part of gateway settings).
OverlayConfig to_overlay_config(const Settings& settings);

// Checks shared by several schemas.
std::optional<std::string> check_listen_address(const std::string& value);
std::optional<std::string> check_peer_address(const std::string& value);
std::optional<std::string> check_overlay_name(const std::string& value);
std::optional<std::string> check_log_level(const std::string& value);
std::optional<std::string> check_log_format(const std::string& value);  // text, logfmt, json
std::optional<std::string> check_cidr(const std::string& value);
std::optional<std::string> check_domain(const std::string& value);  // empty is fine
std::optional<std::string> check_bool(const std::string& value);    // true or false
std::optional<std::string> check_forking(const std::string& value);
// sip_t1_ms: whole milliseconds in [kMinSipT1Ms, kMaxSipT1Ms].
inline constexpr unsigned kMinSipT1Ms = 10, kMaxSipT1Ms = 10000;
std::optional<std::string> check_t1_ms(const std::string& value);
// sip_t1x64_ms: empty, or whole milliseconds in [kMinSipT1x64Ms, kMaxSipT1x64Ms].
inline constexpr unsigned kMinSipT1x64Ms = 1000, kMaxSipT1x64Ms = 64 * kMaxSipT1Ms;
std::optional<std::string> check_t1x64_ms(const std::string& value);
inline constexpr unsigned kMaxSipWorkers = 16;
// sip_tcp_max_connections, sip_tcp_max_per_ip: whole numbers in [1, kMaxSipConnections].
inline constexpr unsigned kMaxSipConnections = 1'000'000;
std::optional<std::string> check_connection_limit(const std::string& value);
std::optional<std::string> check_aor(const std::string& value);     // user@domain, no scheme
std::optional<std::string> check_sip_uri(const std::string& value); // sip:/sips: URI
std::optional<std::string> check_realm(const std::string& value);   // empty is fine
std::optional<std::string> check_phones_file(const std::string& value);  // reads the file
std::optional<std::string> check_nonce_secret_file(const std::string& value);  // reads it
std::optional<std::string> check_readable_file(const std::string& value);  // empty is fine
std::optional<std::string> check_advertise(const std::string& value);  // HOST[:PORT]; empty is fine
std::optional<std::string> check_ip(const std::string& value);  // an IP literal; empty is fine
std::optional<std::string> check_lifetime(const std::string& value);  // seconds, 60..86400

}  // namespace p2psip::config
