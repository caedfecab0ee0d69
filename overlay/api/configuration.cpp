#include "overlay/api/configuration.h"

#include <algorithm>
#include <random>

#include "overlay/enroll/https_client.h"
#include "overlay/enroll/node_id_store.h"
#include "overlay/peer/config_sequence.h"
#include "overlay/security/files.h"

namespace p2psip::overlay {

namespace {

namespace sec = p2psip::security;
namespace en = p2psip::enroll;

constexpr const char* kField = "config_document";
constexpr std::string_view kWellKnown = "/.well-known/reload-config";

Error config_error(std::string message) { return Error{Error::Kind::kConfig, kField, std::move(message)}; }

// https://HOST:PORT/.well-known/reload-config of the document's first enrollment-server (our
// enrollment server serves both).
std::string default_url(const en::ParsedConfig& c) {
  if (c.enrollment_servers.empty()) return {};
  auto u = en::parse_https_url(c.enrollment_servers.front());
  if (!u) return {};
  bool v6 = u->host.find(':') != std::string::npos;
  return "https://" + (v6 ? "[" + u->host + "]" : u->host) + ":" + std::to_string(u->port) +
         std::string(kWellKnown);
}

}  // namespace

std::vector<sec::NodeId> bad_node_ids(const en::ParsedConfig& config) {
  std::vector<sec::NodeId> out;
  for (const std::string& hex : config.bad_nodes) {
    if (auto id = sec::parse_node_id_hex(hex)) out.push_back(*id);
  }
  return out;
}

std::chrono::milliseconds refresh_delay(sec::SysSeconds now, sec::SysSeconds expiration, double u) {
  if (expiration <= now) return std::chrono::milliseconds{0};
  auto span = std::min<std::chrono::milliseconds>(expiration - now, kMaxRefresh);
  double factor = 0.5 + 0.4 * std::clamp(u, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(span.count()) * factor));
}

struct ConfigurationKeeper::Fetch {
  uv_work_t req{};
  en::HttpsUrl url;
  en::HttpsTrust trust;
  Expected<std::string, std::string> body = unexpected(std::string("not run"));
  std::weak_ptr<ConfigurationKeeper*> keeper;
};

ConfigurationKeeper::ConfigurationKeeper(uv_loop_t* loop, const Clock& clock, LogFn log)
    : loop_(loop), clock_(clock), log_(std::move(log)), timer_(loop),
      self_(std::make_shared<ConfigurationKeeper*>(this)) {}

ConfigurationKeeper::~ConfigurationKeeper() { self_.reset(); }

sec::SysSeconds ConfigurationKeeper::wall() const {
  return sec::SysSeconds{std::chrono::seconds{static_cast<std::int64_t>(clock_.wall_ms() / 1000)}};
}

Expected<std::unique_ptr<ConfigurationKeeper>, Error> ConfigurationKeeper::load(uv_loop_t* loop, const NodeConfig& c,
                                                                                const Clock& clock, LogFn log) {
  const ConfigurationSource& src = c.configuration;
  if (src.document.empty()) return std::unique_ptr<ConfigurationKeeper>{};
  auto bytes = sec::read_file(src.document);
  if (!bytes) return unexpected(config_error(bytes.error()));
  std::string text = to_string(*bytes);
  auto parsed = en::parse_config_document(text);
  if (!parsed) return unexpected(config_error("'" + src.document + "': " + parsed.error()));
  std::unique_ptr<ConfigurationKeeper> k(new ConfigurationKeeper(loop, clock, std::move(log)));
  // An expired document still names the overlay's roots and bad nodes: it is used until a
  // newer one is fetched (at once: refresh_delay is 0).
  auto at = k->wall();
  auto expires = en::parse_rfc3339_utc(parsed->expiration);
  if (expires && *expires <= at) at = *expires - std::chrono::seconds{1};
  if (auto ok = en::verify_config_document(*parsed, at); !ok) {
    return unexpected(config_error("'" + src.document + "': " + ok.error()));
  }
  if (!sec::iequals(parsed->instance_name, c.overlay)) {
    return unexpected(config_error("'" + src.document + "' is the configuration of '" + parsed->instance_name +
                                   "', not of overlay '" + c.overlay + "'"));
  }
  k->path_ = src.document;
  k->overlay_ = c.overlay;
  k->url_ = src.url.empty() ? default_url(*parsed) : src.url;
  k->fingerprint_ = src.fingerprint;
  k->ca_file_ = src.ca_file.empty() ? c.credentials.ca : src.ca_file;
  k->sequence_ = static_cast<std::uint16_t>(parsed->sequence.value_or(0));
  k->text_ = std::move(text);
  k->current_ = std::move(parsed).value();
  return k;
}

void ConfigurationKeeper::attach(peer::Node& node) {
  node_ = &node;
  node.set_configuration(sequence_, to_bytes(text_), bad_node_ids(current_));
  node.set_configuration_handler(this);
  apply_kinds(document_kinds(), path_);
  log(LogLevel::kInfo, "configuration sequence " + std::to_string(sequence_) + " (" + path_ + ", " +
                           std::to_string(current_.bad_nodes.size()) + " bad node(s)), newer versions from " +
                           (url_.empty() ? std::string("nowhere (no URL)") : url_));
  schedule_refresh();
}

Expected<en::ParsedConfig, std::string> ConfigurationKeeper::check_newer(std::string_view text) const {
  auto parsed = en::parse_config_document(text);
  if (!parsed) return unexpected(parsed.error());
  if (auto ok = en::verify_config_document(*parsed, wall()); !ok) return unexpected(ok.error());
  if (!sec::iequals(parsed->instance_name, overlay_)) return unexpected("the configuration of '" + parsed->instance_name + "'");
  if (parsed->root_certs != current_.root_certs) return unexpected(std::string("other root-cert(s) than ours"));
  for (const std::string& s : parsed->configuration_signers) {
    auto& ours = current_.configuration_signers;
    if (std::find(ours.begin(), ours.end(), s) == ours.end()) {
      return unexpected("configuration-signer " + s + " is not one of ours");
    }
  }
  auto seq = static_cast<std::uint16_t>(parsed->sequence.value_or(0));
  if (!peer::sequence_newer(seq, sequence_)) {
    return unexpected("sequence " + std::to_string(seq) + " is not newer than ours (" + std::to_string(sequence_) + ")");
  }
  return parsed;
}

void ConfigurationKeeper::apply(std::string text, en::ParsedConfig parsed, const std::string& source) {
  if (auto saved = en::replace_file(path_, text, 0644); !saved) {
    log(LogLevel::kWarn, "configuration: " + saved.error() + " (the new version is used, not kept)");
  }
  sequence_ = static_cast<std::uint16_t>(parsed.sequence.value_or(0));
  current_ = std::move(parsed);
  text_ = std::move(text);
  log(LogLevel::kInfo, "configuration sequence " + std::to_string(sequence_) + " from " + source + " (" +
                           std::to_string(current_.bad_nodes.size()) + " bad node(s))");
  if (node_) node_->set_configuration(sequence_, to_bytes(text_),
                                      bad_node_ids(current_));
  apply_kinds(document_kinds(), source);  // §6.5.4: "reconfigure itself to match"
  schedule_refresh();
}

peer::ConfigurationHandler::Verdict ConfigurationKeeper::offered(Millis, ByteView data, const peer::NodeId& from) {
  std::string text = to_string(data);
  auto parsed = check_newer(text);
  if (!parsed) {
    log(LogLevel::kWarn, "ConfigUpdate from " + from.hex() + " refused: " + parsed.error());
    bool stale = parsed.error().find("not newer") != std::string::npos;
    return {stale ? wire::ErrorCode::kConfigTooOld : wire::ErrorCode::kForbidden, 0, parsed.error()};
  }
  auto seq = static_cast<std::uint16_t>(parsed->sequence.value_or(0));
  apply(std::move(text), std::move(parsed).value(), "a ConfigUpdate of " + from.hex());
  return {std::nullopt, seq, ""};
}

void ConfigurationKeeper::newer_seen(Millis now, std::uint16_t sequence, const peer::NodeId& from) {
  if (fetching_ || (last_fetch_ && now - *last_fetch_ < kMinFetchInterval)) return;
  fetch("node " + from.hex() + " runs configuration sequence " + std::to_string(sequence) + ", ours is " +
        std::to_string(sequence_));
}

void ConfigurationKeeper::fetch(const std::string& why) {
  if (fetching_ || url_.empty()) return;
  auto url = en::parse_https_url(url_);
  if (!url) {
    log(LogLevel::kError, "configuration URL '" + url_ + "': " + url.error());
    return;
  }
  fetching_ = true;
  last_fetch_ = clock_.monotonic();
  log(LogLevel::kInfo, "fetching the configuration from " + url_ + ": " + why);
  auto* f = new Fetch;
  f->url = *url;
  f->trust = fingerprint_.empty() ? en::HttpsTrust{ca_file_, ""} : en::HttpsTrust{"", fingerprint_};
  f->keeper = self_;
  f->req.data = f;
  int rc = uv_queue_work(
      loop_, &f->req,
      [](uv_work_t* req) {  // on a worker thread: blocking I/O only, no shared state
        auto* job = static_cast<Fetch*>(req->data);
        auto got = en::https_request(job->url, job->trust, "GET", "Accept: application/p2p-overlay+xml\r\n", "");
        if (!got) job->body = unexpected(got.error());
        else if (got->status != 200) job->body = unexpected("HTTP " + std::to_string(got->status));
        else job->body = std::move(got->body);
      },
      [](uv_work_t* req, int) {
        std::unique_ptr<Fetch> job(static_cast<Fetch*>(req->data));
        if (auto k = job->keeper.lock()) (*k)->fetched(std::move(job->body));
      });
  if (rc != 0) {
    delete f;
    fetching_ = false;
    log(LogLevel::kError, std::string("configuration fetch: ") + uv_strerror(rc));
  }
}

void ConfigurationKeeper::fetched(Expected<std::string, std::string> body) {
  fetching_ = false;
  if (!body) {
    log(LogLevel::kWarn, "configuration fetch from " + url_ + " failed: " + body.error());
  } else if (body.value() == text_) {
    log(LogLevel::kDebug, "configuration unchanged at " + url_);
  } else if (auto parsed = check_newer(*body); !parsed) {
    log(LogLevel::kWarn, "configuration from " + url_ + " not used: " + parsed.error());
  } else {
    return apply(std::move(body).value(), std::move(parsed).value(), url_);
  }
  schedule_refresh();
}

void ConfigurationKeeper::schedule_refresh() {
  if (url_.empty()) return;
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  auto expires = en::parse_rfc3339_utc(current_.expiration);
  auto delay = expires ? refresh_delay(wall(), *expires, u) : std::chrono::duration_cast<Millis>(kMaxRefresh);
  timer_.start(static_cast<std::uint64_t>(delay.count()), 0, [this] { fetch("refresh before expiration"); });
}

}  // namespace p2psip::overlay
