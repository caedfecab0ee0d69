#include "gateway/config/enroll_server_config.h"

#include <charconv>
#include <functional>

#include "gateway/config/advertise.h"
#include "gateway/config/gateway_config.h"

namespace p2psip::config {

namespace {

using Check = std::function<std::optional<std::string>(const std::string&)>;

Check empty_or(Check check) {
  return [check](const std::string& v) { return v.empty() ? std::nullopt : check(v); };
}

// A whole number in [lo, hi].
Check number_in(unsigned long lo, unsigned long hi) {
  return [lo, hi](const std::string& v) -> std::optional<std::string> {
    unsigned long n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n < lo || n > hi) {
      return "'" + v + "' is not a whole number in " + std::to_string(lo) + ".." + std::to_string(hi);
    }
    return std::nullopt;
  };
}

unsigned long to_number(const std::string& v) {
  unsigned long n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);  // validated by number_in
  return n;
}

// RFC 6940 §11.1: sequence 0..2^16-2.
constexpr unsigned long kMaxSequence = 65534;
constexpr unsigned long kMaxLockout = 1000;

HostPort to_host_port(const std::string& v) {
  return *parse_host_port(v, HostKind::kIpLiteral);  // validated by check_listen_address
}

Schema make_schema() {
  return {
      {"overlay", "overlay name (the CA's); required", {""}, false, empty_or(check_overlay_name)},
      {"listen", "IP:PORT to serve HTTPS on; required", {""}, false, empty_or(check_listen_address)},
      {"data_dir", "state directory (as for the nodes); ca_dir defaults to DATA_DIR/ca", {""}, false,
       nullptr},
      {"ca_dir", "directory made by 'p2psip ca init'; required unless data_dir is set", {""},
       false, nullptr},
      {"users", "users file: `USER PASSWORD` lines (the phones file's format); required", {""},
       false, check_phones_file},
      {"domain", "domain of the users' names (default: the overlay name)", {""}, false,
       check_domain},
      {"advertise", "HOST[:PORT] the nodes reach the server at, in the document's "
                    "enrollment-server URL (port: listen's); empty: listen, which must then not "
                    "be 0.0.0.0/::", {""}, false, check_advertise},
      {"bootstrap", "IP:PORT of a bootstrap peer, into the document", {}, true,
       check_listen_address},
      {"bad_node", "Node-ID (32 hex digits) to list as bad-node", {}, true, nullptr},
      {"bad_nodes_file", "file of bad-node Node-IDs (hex, one a line, '#' comments); edits are "
                         "picked up within a second and served with the next sequence", {""},
       false, nullptr},
      {"sequence", "lowest configuration sequence; a changed document takes the next one after "
                   "the last served (kept in ca_dir/config-sequence)", {"1"}, false,
       number_in(0, kMaxSequence)},
      {"tls_cert", "HTTPS certificate (PEM); default: issued by the CA at start", {""}, false,
       nullptr},
      {"tls_key", "key of tls_cert (PEM)", {""}, false, nullptr},
      {"lockout", "wrong passwords per user and source before a 5-minute lock", {"3"}, false,
       number_in(1, kMaxLockout)},
      {"metrics_listen", "IP:PORT for /metrics (p2psip_enroll_*) and /health; empty: none", {""},
       false, empty_or(check_listen_address)},
      {"log_level", "trace, debug, info, warn, error, critical or off", {"info"}, false,
       check_log_level},
      {"log_format", "layout of the log lines on stderr: text, logfmt or json (one object a "
                     "line)", {"text"}, false, check_log_format},
      {"test_certificate_seconds", "TESTS ONLY: issued certificates end this many seconds after "
                                   "issue (instead of 365 days) so that renewal can be watched; "
                                   "0: off", {"0"}, false, number_in(0, 86400)},
  };
}

ConfigError missing(const std::string& key) {
  return {key, "missing: give --" + flag_name(key) + ", " + key + " in the config file or " +
                   env_name(key)};
}

}  // namespace

const Schema& enroll_server_schema() {
  static const Schema schema = make_schema();
  return schema;
}

Expected<EnrollServerConfig, ConfigError> to_enroll_server_config(const Settings& s) {
  for (const char* key : {"overlay", "listen", "users"}) {
    if (s.get(key).empty()) return unexpected(missing(key));
  }
  EnrollServerConfig c;
  c.ca_dir = s.get("ca_dir");
  if (c.ca_dir.empty() && !s.get("data_dir").empty()) c.ca_dir = s.get("data_dir") + "/ca";
  if (c.ca_dir.empty()) return unexpected(missing("ca_dir"));
  c.overlay = s.get("overlay");
  c.listen = to_host_port(s.get("listen"));
  if (!s.get("advertise").empty()) {
    c.advertise = *parse_advertise(s.get("advertise"), c.listen.port);  // checked already
  } else if (is_any_address(c.listen.host)) {
    // The document would send the nodes to 0.0.0.0 for their certificates (RFC 6940 §11.3).
    return unexpected(ConfigError{"advertise", "missing: listen " + c.listen.to_string() +
                                                   " is the any-address; name where the nodes "
                                                   "reach the server (--advertise HOST[:PORT])"});
  }
  c.users = s.get("users");
  c.domain = s.get("domain");
  for (const std::string& b : s.list("bootstrap")) c.bootstrap.push_back(to_host_port(b));
  c.bad_nodes = s.list("bad_node");
  c.bad_nodes_file = s.get("bad_nodes_file");
  c.sequence = static_cast<std::uint32_t>(to_number(s.get("sequence")));
  c.tls_cert = s.get("tls_cert");
  c.tls_key = s.get("tls_key");
  c.lockout = to_number(s.get("lockout"));
  c.metrics_listen = s.get("metrics_listen");
  c.test_certificate_seconds = static_cast<int>(to_number(s.get("test_certificate_seconds")));
  c.log_level = s.get("log_level");
  c.log_format = s.get("log_format");
  return c;
}

Schema gateway_enroll_keys() {
  return {
      {"enroll_listen", "IP:PORT: also run the enrollment server (RFC 6940 §11, as 'p2psip "
                        "enroll-server') in this process; empty: none", {""}, false,
       empty_or(check_listen_address)},
      {"enroll_users", "users file of the in-process enrollment server; empty: phones_file", {""},
       false, check_phones_file},
      {"enroll_ca_dir", "CA directory ('p2psip ca init') of the in-process enrollment server; "
                        "empty: DATA_DIR/ca", {""}, false, nullptr},
      {"enroll_bootstrap", "IP:PORT of a bootstrap peer in the served document; none: this "
                           "gateway's overlay_listen", {}, true, check_listen_address},
      // The standalone server's lockout, sequence and bad_nodes_file (make_schema above).
      {"enroll_lockout", "wrong passwords per user and source before a 5-minute lock (in-process "
                         "enrollment server)", {"3"}, false, number_in(1, kMaxLockout)},
      {"enroll_sequence", "lowest configuration sequence of the in-process enrollment server (a "
                          "changed document takes the next one, kept in ENROLL_CA_DIR/config-sequence)",
       {"1"}, false, number_in(0, kMaxSequence)},
      {"enroll_bad_nodes_file", "bad-node file of the in-process enrollment server (Node-IDs, one a "
                                "line; edits served with the next sequence); empty: none", {""},
       false, nullptr},
  };
}

InProcessEnrollConfig to_in_process_enroll_config(const Settings& s) {
  InProcessEnrollConfig c;
  if (!s.get("enroll_listen").empty()) c.listen = to_host_port(s.get("enroll_listen"));
  c.users = s.get("enroll_users");
  c.ca_dir = s.get("enroll_ca_dir");
  for (const std::string& b : s.list("enroll_bootstrap")) c.bootstrap.push_back(to_host_port(b));
  c.lockout = to_number(s.get("enroll_lockout"));
  c.sequence = static_cast<std::uint32_t>(to_number(s.get("enroll_sequence")));
  c.bad_nodes_file = s.get("enroll_bad_nodes_file");
  return c;
}

}  // namespace p2psip::config
