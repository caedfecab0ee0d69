#include "gateway/runtime/node_enrollment.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

#include "gateway/config/host_port.h"
#include "gateway/config/phones.h"
#include "gateway/runtime/logging.h"
#include "gateway/runtime/phone_refusals.h"
#include "p2psip/overlay/ca.h"

namespace p2psip::runtime {

namespace {

namespace ov = p2psip::overlay;

StartError failed(const std::string& message) {
  return StartError{2, "enrollment failed: " + message};
}

StartError config_error(const std::string& key, const std::string& message) {
  return StartError{2, "config error: " + key + ": " + message};
}

SysSeconds now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A §11.3 refusal is remembered (one more in a row for the same entry); anything else (server
// unreachable, a local failure) is not.
void note_refusal(PhoneRefusals& refused, const ov::PhoneEnrollment& p, const std::string& entry,
                  PhoneEnrollTally& tally) {
  if (p.result.refusal.empty()) {
    ++tally.failed;
    return;
  }
  ++tally.refused;
  auto it = refused.find(p.user);
  std::uint32_t attempts = it != refused.end() && it->second.entry == entry ? it->second.attempts + 1 : 1;
  refused[p.user] = PhoneRefusal{attempts, now(), entry, p.result.refusal};
}

// A failed enrollment exchange, with what the operator can do about it.
StartError explain(const ov::EnrollClientResult& r, const overlay::EnrollClientOptions& o) {
  if (r.unreachable) {
    return failed("cannot reach the enrollment server at " + o.url + ": " + r.message +
                  " (check the enroll URL, that the server runs, and that enroll_ca or "
                  "enroll_fingerprint names its certificate)");
  }
  if (r.refusal == "failed_authentication") {
    return failed("the enrollment server refused user '" + o.user +
                  "': failed_authentication (wrong user or password: check user and "
                  "password_file; after 3 wrong tries from one address the user is locked for 5 "
                  "minutes)");
  }
  if (!r.refusal.empty()) {
    return failed("the enrollment server refused user '" + o.user + "': " + r.refusal);
  }
  return failed(r.message);
}

// "2027-12-06T10:00:00Z"
std::string when(SysSeconds t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  char buf[32] = "";
  if (gmtime_r(&tt, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The enrollment in `dir`, made or renewed first when needed.
Expected<ov::StoredEnrollment, StartError> ensure_enrolled(const ov::EnrollClientOptions& o,
                                                           spdlog::logger& log) {
  auto stored = ov::read_enrollment(o.data_dir);
  if (!stored) {
    return unexpected(config_error("data_dir", "the enrollment in '" + o.data_dir + "' is unusable: " +
                                                   stored.error() + " (remove it to enroll again)"));
  }
  if (!*stored) {
    log.info("enrolling as '{}' at {}", o.user, o.url);
    auto r = ov::run_enroll_client(o);
    if (r.exit_code != ov::kEnrollExitOk) return unexpected(explain(r, o));
    log.info("enrolled: user {}, Node-ID {}, files in {}", r.user,
             r.node_ids.empty() ? "" : r.node_ids.front(), o.data_dir);
  } else {
    auto cert = ov::read_certificate((*stored)->cert);
    if (!cert) return unexpected(config_error("data_dir", "'" + (*stored)->cert + "': " + cert.error()));
    if (!renewal_due(cert->not_before, cert->not_after, now())) {
      log.info("reusing the enrollment in {} (user {}, certificate valid until {})", o.data_dir,
               cert->user, when(cert->not_after));
      return std::move(**stored);
    }
    log.info("certificate valid until {}: renewing it at {}", when(cert->not_after), o.url);
    auto r = ov::renew_enrollment(o);
    if (r.exit_code != ov::kEnrollExitOk) {
      if (cert->not_after <= now()) return unexpected(explain(r, o));
      log.warn("renewal failed, keeping the certificate valid until {}: {}", when(cert->not_after),
               explain(r, o).message);
      return std::move(**stored);
    }
    log.info("renewed: user {}, Node-ID {}", r.user, r.node_ids.empty() ? "" : r.node_ids.front());
  }
  auto again = ov::read_enrollment(o.data_dir);
  if (!again || !*again) return unexpected(failed("the enrollment files in '" + o.data_dir + "' are missing"));
  return std::move(**again);
}

void set(config::Settings& s, const std::string& key, std::vector<std::string> items) {
  s.set(key, config::Settings::Value{std::move(items), config::Source::kDefault});
}

Expected<void, StartError> apply(config::Settings& s, const config::Schema& schema,
                                 const ov::StoredEnrollment& e) {
  if (auto bad = config::check_overlay_name(e.overlay)) {
    return unexpected(failed("the configuration document's instance-name: " + *bad));
  }
  if (s.source("overlay") == config::Source::kDefault) {
    set(s, "overlay", {e.overlay});
  } else if (s.get("overlay") != e.overlay) {
    return unexpected(config_error("overlay", "'" + s.get("overlay") + "' is not the enrolled overlay '" +
                                                  e.overlay + "' (leave overlay unset with enroll)"));
  }
  if (s.list("bootstrap").empty()) {
    auto own = config::parse_host_port(s.get("overlay_listen"), config::HostKind::kIpLiteral);
    std::vector<std::string> peers;
    for (const auto& b : e.bootstrap) {
      config::HostPort hp{b.host, b.port, b.host.find(':') != std::string::npos};
      // Only IP literals (the document comes from the network); this node's own address is no peer.
      auto checked = config::parse_host_port(hp.to_string(), config::HostKind::kIpLiteral);
      if (checked && (!own || !(*checked == *own))) peers.push_back(hp.to_string());
    }
    set(s, "bootstrap", std::move(peers));
  }
  set(s, "cert", {e.cert});
  set(s, "key", {e.key});
  set(s, "ca", {e.ca});
  // The node runs the enrolled document: its sequence on every message, its bad-node entries
  // refused, newer versions fetched (RFC 6940 §6.3.2.1, §6.5.4, §11.1).
  if (s.get("config_document").empty()) set(s, "config_document", {e.document});
  bool has_domain = std::any_of(schema.begin(), schema.end(),
                                [](const config::KeySpec& k) { return k.name == "domain"; });
  auto cert = ov::read_certificate(e.cert);
  if (has_domain && cert && s.get("domain").empty()) {
    auto at = cert->user.find('@');
    if (at != std::string::npos) set(s, "domain", {cert->user.substr(at + 1)});
  }
  return {};
}

// The plain phones of phones_file without a certificate in <data_dir>/phones/: enrolled on
// their behalf with the gateway's key and Node-ID. A phone that cannot be enrolled stays
// reachable through this gateway only (a warning says why); a refused one is asked for again
// only when its entry changed or its backoff passed (phone_refusals.h).
void enroll_missing_phones(const config::Settings& s, const ov::EnrollClientOptions& node,
                           const ov::StoredEnrollment& e, spdlog::logger& log) {
  if (s.get("phones_file").empty()) return;
  auto book = config::read_phones_file(s.get("phones_file"));  // checked at load
  auto cert = ov::read_certificate(e.cert);
  if (!book || !cert) return;
  std::string domain = cert->user.substr(cert->user.find('@') + 1);
  std::filesystem::path dir = std::filesystem::path(s.get("data_dir")) / "phones";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  PhoneRefusals refused = load_phone_refusals(phone_refusals_path(dir));
  PhoneEnrollTally& tally = phone_enroll_tally();
  std::vector<ov::PhoneCredentials> missing;
  std::map<std::string, std::string> entries;
  for (const auto& [user, password] : *book) {
    if (std::filesystem::exists(dir / (user + "@" + domain + ".crt"), ec)) continue;
    entries[user] = phone_entry_digest(user, password);
    auto retry = phone_retry_at(refused, user, entries[user]);
    if (retry && *retry > now()) {
      ++tally.deferred;
      log.warn("phone {}: refused by the enrollment server ({}, {} time(s)); not asked again before {} "
               "unless its users-file entry changes", user, refused[user].reason, refused[user].attempts,
               when(*retry));
      continue;
    }
    missing.push_back(ov::PhoneCredentials{user, password});
  }
  if (missing.empty()) return;
  ov::EnrollClientOptions o = node;
  o.data_dir = dir.string();
  for (const ov::PhoneEnrollment& p : ov::enroll_phones(o, e.cert, e.key, missing)) {
    if (p.result.exit_code == ov::kEnrollExitOk) {
      ++tally.enrolled;
      refused.erase(p.user);
      log.info("phone {}: enrolled on its behalf, certificate in {}/{}.crt", p.user, o.data_dir, p.result.user);
    } else {
      note_refusal(refused, p, entries[p.user], tally);
      log.warn("phone {}: not enrolled, reachable through this gateway only: {}", p.user,
               p.result.refusal.empty() ? p.result.message
                                        : "the enrollment server answered " + p.result.refusal +
                                              " (the phone's user and password must be in its users file)");
    }
  }
  std::erase_if(refused, [&](const auto& r) { return !entries.contains(r.first); });
  if (!save_phone_refusals(phone_refusals_path(dir), refused)) {
    log.warn("cannot write {}: refused phones are asked for again at the next start",
             phone_refusals_path(dir).string());
  }
}

}  // namespace

bool renewal_due(SysSeconds not_before, SysSeconds not_after, SysSeconds now) {
  if (now >= not_after || now < not_before) return true;
  return (not_after - now) * 3 < (not_after - not_before);
}

Expected<std::string, std::string> read_password_file(const std::string& path) {
  std::ifstream in(path);
  std::string password;
  if (!in || !std::getline(in, password)) return unexpected("cannot read '" + path + "'");
  while (!password.empty() && (password.back() == '\r' || password.back() == ' ')) password.pop_back();
  if (password.empty()) return unexpected("'" + path + "' holds no password on its first line");
  return password;
}

Expected<ov::EnrollClientOptions, StartError> enroll_options(const config::EnrollConfig& e,
                                                             const std::string& data_dir) {
  if (e.user.empty()) return unexpected(config_error("user", "enroll needs user and password_file"));
  if (e.password_file.empty()) return unexpected(config_error("password_file", "enroll needs user and password_file"));
  if (e.ca.empty() == e.fingerprint.empty()) {
    return unexpected(config_error("enroll_ca", "enroll needs exactly one of enroll_ca and enroll_fingerprint"));
  }
  auto password = read_password_file(e.password_file);
  if (!password) return unexpected(config_error("password_file", password.error()));
  ov::EnrollClientOptions o;
  o.url = e.url;
  o.user = e.user;
  o.password = *password;
  o.ca_file = e.ca;
  o.fingerprint = e.fingerprint;
  o.data_dir = (std::filesystem::path(data_dir) / "enrollment").string();
  return o;
}

Expected<void, StartError> enroll_from_settings(config::Settings& s, const config::Schema& schema) {
  config::EnrollConfig e = config::to_enroll_config(s);
  if (!e.enabled()) return {};
  for (const char* key : {"cert", "key", "ca"}) {
    if (!s.get(key).empty()) {
      return unexpected(config_error(key, "not with enroll (the enrollment server issues the node's certificate)"));
    }
  }
  auto o = enroll_options(e, s.get("data_dir"));
  if (!o) return unexpected(o.error());
  auto log = make_logger("enroll", s.get("log_level"));
  auto enrolled = ensure_enrolled(*o, *log);
  if (!enrolled) return unexpected(enrolled.error());
  enroll_missing_phones(s, *o, *enrolled, *log);
  return apply(s, schema, *enrolled);
}

}  // namespace p2psip::runtime
