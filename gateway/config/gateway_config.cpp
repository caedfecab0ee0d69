#include "gateway/config/gateway_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "dns/sip_uri.h"
#include "gateway/config/advertise.h"
#include "gateway/config/phones.h"

namespace p2psip::config {

namespace {

constexpr unsigned kMinLifetimeSeconds = 10;
constexpr unsigned kMaxLifetimeSeconds = 7 * 24 * 3600;

constexpr std::array<const char*, 7> kLogLevels = {"trace", "debug", "info", "warn",
                                                    "error", "critical", "off"};

HostPort must_parse(const std::string& text, HostKind kind) {
  // Values reaching here passed their key's check; an empty HostPort is unreachable.
  auto hp = parse_host_port(text, kind);
  return hp ? *hp : HostPort{};
}

}  // namespace

std::optional<std::string> check_listen_address(const std::string& value) {
  auto hp = parse_host_port(value, HostKind::kIpLiteral);
  if (!hp) return hp.error();
  return std::nullopt;
}

std::optional<std::string> check_peer_address(const std::string& value) {
  auto hp = parse_host_port(value, HostKind::kIpOrName);
  if (!hp) return hp.error();
  return std::nullopt;
}

std::optional<std::string> check_overlay_name(const std::string& value) {
  if (value.empty() || value.size() > 253) return "must be 1 to 253 characters";
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-';
    if (!ok) return "'" + value + "' is not a domain-style overlay name (letters, digits, '.', '-')";
  }
  return std::nullopt;
}

std::optional<std::string> check_log_level(const std::string& value) {
  for (const char* level : kLogLevels) {
    if (value == level) return std::nullopt;
  }
  return "'" + value + "' is not one of trace, debug, info, warn, error, critical, off";
}

std::optional<std::string> check_log_format(const std::string& value) {
  if (value == "text" || value == "logfmt" || value == "json") return std::nullopt;
  return "'" + value + "' is not one of text, logfmt, json";
}

std::optional<std::string> check_cidr(const std::string& value) {
  auto c = Cidr::parse(value);
  if (!c) return c.error();
  return std::nullopt;
}

std::optional<std::string> check_domain(const std::string& value) {
  if (value.empty()) return std::nullopt;
  auto problem = check_overlay_name(value);
  if (problem) return "'" + value + "' is not a domain name (letters, digits, '.', '-')";
  return std::nullopt;
}

std::optional<std::string> check_bool(const std::string& value) {
  if (value == "true" || value == "false") return std::nullopt;
  return "'" + value + "' is not true or false";
}

std::optional<std::string> check_forking(const std::string& value) {
  if (value == "parallel" || value == "sequential") return std::nullopt;
  return "'" + value + "' is not parallel or sequential";
}

std::optional<std::string> check_t1x64_ms(const std::string& value) {
  if (value.empty()) return std::nullopt;  // 64 * sip_t1_ms
  unsigned ms = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (ec != std::errc{} || end != value.data() + value.size() || ms < kMinSipT1x64Ms ||
      ms > kMaxSipT1x64Ms) {
    return "'" + value + "' is not empty nor a number of milliseconds from " +
           std::to_string(kMinSipT1x64Ms) + " to " + std::to_string(kMaxSipT1x64Ms);
  }
  return std::nullopt;
}

std::optional<std::string> check_t1_ms(const std::string& value) {
  unsigned ms = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (ec != std::errc{} || end != value.data() + value.size() || ms < kMinSipT1Ms ||
      ms > kMaxSipT1Ms) {
    return "'" + value + "' is not a number of milliseconds from " + std::to_string(kMinSipT1Ms) +
           " to " + std::to_string(kMaxSipT1Ms);
  }
  return std::nullopt;
}

std::optional<std::string> check_connection_limit(const std::string& value) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || n < 1 ||
      n > kMaxSipConnections) {
    return "'" + value + "' is not a number of connections from 1 to " +
           std::to_string(kMaxSipConnections);
  }
  return std::nullopt;
}

std::optional<std::string> check_aor(const std::string& value) {
  auto at = value.find('@');
  if (value.rfind("sip:", 0) == 0 || value.rfind("sips:", 0) == 0) {
    return "'" + value + "' must be user@domain without the scheme";
  }
  if (at == std::string::npos || at == 0 || value.find('@', at + 1) != std::string::npos ||
      value.find_first_of(" \t\r\n<>\":;") != std::string::npos ||
      check_overlay_name(value.substr(at + 1))) {
    return "'" + value + "' is not an AoR of the form user@domain";
  }
  return std::nullopt;
}

std::optional<std::string> check_sip_uri(const std::string& value) {
  if (value.find_first_of(" \t\r\n<>\"") != std::string::npos) {
    return "'" + value + "' is not a SIP URI (no blanks, quotes or angle brackets)";
  }
  auto target = dns::parse_sip_uri(value);
  if (!target) return "'" + value + "' is not a usable SIP URI: " + target.error();
  return std::nullopt;
}

std::optional<std::string> check_realm(const std::string& value) {
  for (char c : value) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return "realm must not contain quotes, backslashes or control characters";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_phones_file(const std::string& value) {
  if (value.empty()) return std::nullopt;
  auto book = read_phones_file(value);
  if (!book) return book.error();
  return std::nullopt;
}

std::optional<std::string> check_nonce_secret_file(const std::string& value) {
  if (value.empty()) return std::nullopt;
  auto secret = read_nonce_secret(value);
  if (!secret) return secret.error();
  return std::nullopt;
}

std::optional<std::string> check_readable_file(const std::string& value) {
  if (value.empty()) return std::nullopt;
  std::FILE* f = std::fopen(value.c_str(), "r");
  if (!f) return "cannot read '" + value + "': " + std::strerror(errno);
  std::fclose(f);
  return std::nullopt;
}

std::optional<std::string> check_advertise(const std::string& value) {
  if (value.empty()) return std::nullopt;
  auto hp = parse_advertise(value, 5060);
  if (!hp) return hp.error();
  return std::nullopt;
}

std::optional<std::string> check_ip(const std::string& value) {
  if (value.empty() || (is_ip_literal(value) && !is_any_address(value))) return std::nullopt;
  return "'" + value + "' is not an IP address others can reach (no port, not 0.0.0.0 or ::)";
}

std::optional<std::string> check_lifetime(const std::string& value) {
  unsigned long long n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size() ||
      n < kMinLifetimeSeconds || n > kMaxLifetimeSeconds) {
    return "'" + value + "' is not a number of seconds from " +
           std::to_string(kMinLifetimeSeconds) + " to " + std::to_string(kMaxLifetimeSeconds);
  }
  return std::nullopt;
}

const char* to_string(Forking f) { return f == Forking::kSequential ? "sequential" : "parallel"; }

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool GatewayConfig::serves_domain(std::string_view host) const {
  if (iequals(host, domain)) return true;
  return std::any_of(aliases.begin(), aliases.end(),
                     [&](const std::string& a) { return iequals(host, a); });
}

bool GatewayConfig::is_trusted(std::string_view ip) const {
  return std::any_of(trusted_networks.begin(), trusted_networks.end(),
                     [&](const Cidr& c) { return c.contains(ip); });
}

namespace {

std::optional<std::string> not_empty(const std::string& v) {
  if (v.empty()) return "must not be empty";
  return std::nullopt;
}

// The keys of the overlay node, in the order --print-config shows them.
Schema overlay_keys() {
  Schema keys = {
      {"overlay_listen", "RELOAD listen address (TLS over TCP), ADDR:PORT", {"0.0.0.0:6084"},
       false, check_listen_address},
      {"overlay_advertise", "IP address announced to peers in Attach; empty: overlay_listen, "
                            "or when that is 0.0.0.0/:: the first non-loopback interface "
                            "address (a warning names it)", {""}, false, check_ip},
      {"metrics_listen", "HTTP address for /metrics, /health and /status, ADDR:PORT",
       {"0.0.0.0:9464"}, false, check_listen_address},
      {"bootstrap", "bootstrap peer ADDR:PORT (repeatable); none starts a new overlay", {}, true,
       check_peer_address},
      {"overlay", "overlay name (also the default SIP domain)", {"p2p.example.com"}, false,
       check_overlay_name},
      {"cert", "node certificate (PEM, from 'p2psip ca issue'); with key and ca. "
               "None of the three: a development CA in data_dir", {}, false, nullptr},
      {"key", "node private key (PEM) for cert", {}, false, nullptr},
      {"ca", "overlay root certificate (PEM, the CA's ca.crt) that peers must chain to", {},
       false, nullptr},
      {"config_document", "the overlay's configuration document (RFC 6940 §11.1, reload-config.xml "
                          "from 'p2psip enroll'): its sequence is checked on every request and "
                          "its bad nodes refused; newer versions replace the file. None: no checks",
       {}, false, nullptr},
      {"overlay_verify_on_worker", "true: received RELOAD messages' signatures are checked on "
                                   "a second thread while the loop goes on (more than 256 "
                                   "waiting are dropped, the senders retransmit); false: on "
                                   "the loop thread, inline (less CPU per message)",
       {"true"}, false, check_bool},
      {"data_dir", "directory for certificates and state", {"p2psip-data"}, false, not_empty},
      {"log_level", "trace, debug, info, warn, error, critical or off", {"info"}, false,
       check_log_level},
      {"log_format", "layout of the log lines on stderr: text, logfmt or json (one object a "
                     "line)", {"text"}, false, check_log_format},
  };
  for (auto& k : enroll_keys()) keys.push_back(std::move(k));
  return keys;
}

// The SIP side of the gateway, after dns_server.
Schema sip_keys() {
  return {
      {"trusted_network", "network (CIDR, IPv4 or IPv6) whose senders may use the gateway "
                          "without digest auth (repeatable); none: only overlay peers and "
                          "authenticated phones", {}, true, check_cidr},
      {"domain", "the overlay's SIP domain; empty: the overlay name", {""}, false, check_domain},
      {"alias", "another domain the gateway answers for (repeatable)", {}, true, check_domain},
      {"record_route", "true: stay in the path of dialogs (Record-Route)", {"true"}, false,
       check_bool},
      {"forking", "parallel or sequential forking to several contacts", {"parallel"}, false,
       check_forking},
      {"sip_t1_ms", "SIP timer T1 in ms (RFC 3261 RTT estimate); a silent next hop fails "
                    "over after 64*T1 (timer B/F)", {"500"}, false, check_t1_ms},
      {"sip_t1x64_ms", "nta's 64*T1 in ms: timers B/F/H and J (a completed BYE's stay, memory "
                       "per call: gateway/sip/sip_timers.h); empty: 64*sip_t1_ms (RFC 3261)",
       {""}, false, check_t1x64_ms},
      {"sip_workers", "SIP event loops, each a thread listening on sip_listen's port + k "
                      "(0..N-1) and advertised at sip_advertise's port + k: publish all N "
                      "ports to the upstream proxy (SRV or dispatcher list); TLS and plain "
                      "phones stay on the first (doc/sip-workers.md)", {"1"}, false,
       [](const std::string& v) { return check_count(v, 1, kMaxSipWorkers); }},
      {"sip_tcp_max_connections", "connections to the SIP TCP/TLS listeners at most, in all "
                                  "(above it the newest that completed no request close; "
                                  "per SIP worker)",
       {"1024"}, false, check_connection_limit},
      {"sip_tcp_max_per_ip", "connections to the SIP TCP/TLS listeners at most from one "
                             "address (raise it for many phones behind one NAT)",
       {"64"}, false, check_connection_limit},
      {"service_aor", "the gateway's own AoR, user@domain; empty: gateway@<domain>", {""},
       false, [](const std::string& v) { return v.empty() ? std::nullopt : check_aor(v); }},
      {"realm", "digest realm for plain phones; empty: the domain", {""}, false, check_realm},
      {"digest_md5_first", "true: offer MD5 before SHA-256 to plain phones (for phones that "
                           "read only the first challenge)", {"false"}, false, check_bool},
      {"phones_file", "plain phones' credentials, one 'USER PASSWORD' per line ('#' comments); "
                      "empty: no plain phones", {""}, false, check_phones_file},
      {"nonce_secret_file", "digest nonce secret shared by the gateways of a site (16 bytes "
                            "or more), so any of them accepts a nonce another issued; empty: "
                            "a random secret per process", {""}, false, check_nonce_secret_file},
      {"config_watch", "seconds between looks at the config and phones files: a change is "
                       "reloaded as on SIGHUP; 0: only SIGHUP reloads", {"0"}, false,
       [](const std::string& v) { return check_count(v, 0, 3600); }},
      {"static_registrations", "SIP-REGISTRATIONs stored for external targets (YAML only): "
                               "a list of {aor, contact, cert, key}", {}, true, nullptr,
       {{"aor", true, check_aor},
        {"contact", true, check_sip_uri},
        {"cert", true, not_empty},
        {"key", true, not_empty}}},
      {"registration_lifetime", "seconds the static registrations and the service AoR last in "
                                "the overlay (refreshed at 2/3 of it)",
       {"3600"}, false,
       check_lifetime},
      {"sip_tls_listen", "SIP over TLS listen address, ADDR:PORT; empty: no TLS listener and "
                         "no TLS targets", {""}, false,
       [](const std::string& v) { return v.empty() ? std::nullopt : check_listen_address(v); }},
      {"sip_tls_cert", "SIP TLS server certificate (PEM, chain allowed); empty: the node's "
                       "overlay certificate", {""}, false, check_readable_file},
      {"sip_tls_key", "private key (PEM) for sip_tls_cert; empty: the node's overlay key", {""},
       false, check_readable_file},
      {"sip_tls_ca", "CA bundle (PEM) verifying TLS servers the gateway connects to",
       {"/etc/ssl/certs/ca-certificates.crt"}, false, nullptr},  // read when TLS is on
      {"sip_tls_verify", "true: outgoing TLS needs a server certificate chaining to sip_tls_ca",
       {"true"}, false, check_bool},
  };
}

}  // namespace

const Schema& gateway_schema() {
  static const Schema schema = [] {
    Schema s = {{"sip_listen", "SIP listen address (UDP and TCP), ADDR:PORT", {"0.0.0.0:5060"},
                 false, check_listen_address},
                {"sip_advertise", "address others use for the gateway's SIP side (contacts "
                                  "stored in the overlay, Record-Route), HOST[:PORT]; empty: "
                                  "sip_listen, or when that is 0.0.0.0/:: the first non-loopback "
                                  "interface address (a warning names it)", {""}, false,
                 check_advertise}};
    for (auto& k : overlay_keys()) s.push_back(std::move(k));
    s.push_back({"dns_server",
                 "DNS server ADDR:PORT for RFC 3263 (repeatable); none: /etc/resolv.conf", {},
                 true, check_listen_address});
    for (auto& k : sip_keys()) s.push_back(std::move(k));
    for (auto& k : overload_keys()) s.push_back(std::move(k));
    for (auto& k : lookup_cache_keys()) s.push_back(std::move(k));
    s.push_back({"drain_grace", "seconds a SIGTERM drain lasts at most: not ready at once "
                                "(OPTIONS and /readyz 503), calls and transactions in flight "
                                "go on, new out-of-dialog requests get 503; then Leave and "
                                "exit. 0: no drain", {"10"}, false,
                 [](const std::string& v) { return check_count(v, 0, 3600); }});
    s.push_back({"drain_call_max_idle", "seconds without a request through the gateway after "
                                        "which a call is no longer waited for by a drain (its "
                                        "BYE never came)", {"7200"}, false,
                 [](const std::string& v) { return check_count(v, 60, 86400); }});
    for (auto& k : gateway_enroll_keys()) s.push_back(std::move(k));
    return s;
  }();
  return schema;
}

const Schema& peer_schema() {
  static const Schema schema = overlay_keys();
  return schema;
}

OverlayConfig to_overlay_config(const Settings& s) {
  OverlayConfig c;
  c.overlay_listen = must_parse(s.get("overlay_listen"), HostKind::kIpLiteral);
  c.overlay_advertise = s.get("overlay_advertise");
  c.metrics_listen = must_parse(s.get("metrics_listen"), HostKind::kIpLiteral);
  for (const auto& b : s.list("bootstrap")) c.bootstrap.push_back(must_parse(b, HostKind::kIpOrName));
  c.overlay = s.get("overlay");
  c.cert = s.get("cert");
  c.key = s.get("key");
  c.ca = s.get("ca");
  c.config_document = s.get("config_document");
  c.verify_on_worker = s.get("overlay_verify_on_worker") != "false";
  c.data_dir = s.get("data_dir");
  c.log_level = s.get("log_level");
  c.enroll = to_enroll_config(s);
  return c;
}

GatewayConfig to_gateway_config(const Settings& s) {
  GatewayConfig c;
  static_cast<OverlayConfig&>(c) = to_overlay_config(s);
  c.sip_listen = must_parse(s.get("sip_listen"), HostKind::kIpLiteral);
  if (!s.get("sip_advertise").empty()) {
    auto hp = parse_advertise(s.get("sip_advertise"), c.sip_listen.port);  // checked already
    if (hp) c.sip_advertise = *hp;
  }
  const std::string& lifetime = s.get("registration_lifetime");
  std::from_chars(lifetime.data(), lifetime.data() + lifetime.size(), c.registration_lifetime);
  for (const auto& d : s.list("dns_server")) c.dns_servers.push_back(must_parse(d, HostKind::kIpLiteral));
  for (const auto& n : s.list("trusted_network")) {
    if (auto cidr = Cidr::parse(n)) c.trusted_networks.push_back(*cidr);  // checked already
  }
  c.domain = s.get("domain").empty() ? c.overlay : s.get("domain");
  c.aliases = s.list("alias");
  c.record_route = s.get("record_route") != "false";
  c.forking = s.get("forking") == "sequential" ? Forking::kSequential : Forking::kParallel;
  c.sip_t1_ms = static_cast<unsigned>(std::stoul(s.get("sip_t1_ms")));  // checked already
  if (const std::string& t1x64 = s.get("sip_t1x64_ms"); !t1x64.empty()) {
    c.sip_t1x64_ms = static_cast<unsigned>(std::stoul(t1x64));  // checked already
  }
  c.sip_workers = static_cast<unsigned>(std::stoul(s.get("sip_workers")));  // checked already
  c.sip_tcp_max_connections = static_cast<unsigned>(std::stoul(s.get("sip_tcp_max_connections")));
  c.sip_tcp_max_per_ip = static_cast<unsigned>(std::stoul(s.get("sip_tcp_max_per_ip")));
  c.service_aor = s.get("service_aor").empty() ? "gateway@" + c.domain : s.get("service_aor");
  c.dev_user = c.service_aor;
  c.realm = s.get("realm").empty() ? c.domain : s.get("realm");
  c.digest_md5_first = s.get("digest_md5_first") == "true";
  c.phones_file = s.get("phones_file");
  c.nonce_secret_file = s.get("nonce_secret_file");
  c.config_watch = static_cast<std::uint32_t>(std::stoul(s.get("config_watch")));
  for (const Record& r : s.records("static_registrations")) {
    c.static_registrations.push_back({r.at("aor"), r.at("contact"), r.at("cert"), r.at("key")});
  }
  if (!s.get("sip_tls_listen").empty()) {
    c.sip_tls_listen = must_parse(s.get("sip_tls_listen"), HostKind::kIpLiteral);
  }
  c.sip_tls_cert = s.get("sip_tls_cert");
  c.sip_tls_key = s.get("sip_tls_key");
  c.sip_tls_ca = s.get("sip_tls_ca");
  c.sip_tls_verify = s.get("sip_tls_verify") != "false";
  c.overload = to_overload_config(s);
  c.lookup_cache = to_lookup_cache_config(s);
  c.drain_grace_s = static_cast<std::uint32_t>(std::stoul(s.get("drain_grace")));  // checked
  c.drain_call_max_idle_s = static_cast<std::uint32_t>(std::stoul(s.get("drain_call_max_idle")));
  c.enroll_server = to_in_process_enroll_config(s);
  return c;
}

}  // namespace p2psip::config
