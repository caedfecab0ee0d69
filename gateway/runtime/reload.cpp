#include "gateway/runtime/reload.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "common/uv_handle.h"
#include "gateway/runtime/gateway_registrations.h"
#include "gateway/runtime/reload_sip_tls.h"
#include "gateway/runtime/node_certificate.h"
#include "gateway/runtime/sip_side.h"

namespace p2psip::runtime {

namespace {

// Keys a reload applies; every other key waits for a restart.
const std::set<std::string> kReloadable = {"phones_file", "static_registrations"};

// A file's content as a short text that changes when the content does ("missing" when it
// cannot be read). Not a security check: whoever can write these files owns the gateway.
std::string file_digest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "missing";
  std::ostringstream text;
  text << in.rdbuf();
  return fmt::format("{:016x}", std::hash<std::string>{}(text.str()));
}

std::string pair_digest(const std::string& cert, const std::string& key) {
  return file_digest(cert) + "/" + file_digest(key);
}

// The certificate files the running process loaded at start and keeps until a restart: the
// overlay root and SIP TLS's (the node's own certificate and key are swapped: NodeCertificate;
// SIP TLS's certificate and key are served anew when they load: reload_sip_tls.h).
std::vector<std::string> credential_files(const config::GatewayConfig& c) {
  std::vector<std::string> out;
  for (const std::string* p : {&c.ca, &c.sip_tls_cert, &c.sip_tls_key, &c.sip_tls_ca}) {
    if (!p->empty()) out.push_back(*p);
  }
  return out;
}

std::map<std::string, std::string> digests(const std::vector<std::string>& paths) {
  std::map<std::string, std::string> out;
  for (const auto& p : paths) out[p] = file_digest(p);
  return out;
}

}  // namespace

// One reading of the configuration, made on the thread pool. Owns copies of everything it
// touches there; `owner` says whether the reloader still exists when it completes.
struct ConfigReloader::Read {
  uv_work_t req{};
  std::shared_ptr<ConfigReloader*> owner;
  std::function<Expected<config::Settings, config::ConfigError>()> read;
  std::string running_phones;
  GatewayIdentity gateway;
  config::HostPort advertise;
  std::vector<std::string> credential_paths;
  std::shared_ptr<spdlog::logger> log;

  std::string error;  // non-empty: refused
  config::Settings settings;
  config::GatewayConfig config;
  std::optional<config::PhoneBook> phones;  // none: phones_file not reloadable
  std::vector<KeptRegistration> kept;
  StaticSet statics;
  std::map<std::string, std::string> credentials;
  std::optional<sip::TlsFiles> tls_files;  // SIP TLS's running files (none: no TLS)
  std::shared_ptr<const sip::TlsCredentials> tls;  // read again (reload_sip_tls.cpp)

  void run() {
    auto s = read();
    if (!s) {
      error = s.error().to_string();
      return;
    }
    settings = std::move(*s);
    config = config::to_gateway_config(settings);
    if (phones_reloadable(running_phones, config.phones_file)) {
      auto book = config::read_phones_file(config.phones_file);
      if (!book) {
        error = "phones_file: " + book.error();
        return;
      }
      phones = std::move(*book);
    }
    auto planned = plan_static_registrations(config, advertise, gateway, *log);
    if (!planned) {
      error = planned.error().message;
      return;
    }
    kept = std::move(*planned);
    statics = static_set(config.static_registrations, pair_digest);
    credentials = digests(credential_paths);
    if (tls_files) {
      auto loaded = sip::TlsCredentials::load(*tls_files);
      if (!loaded) {
        error = loaded.error();
        return;
      }
      tls = std::move(*loaded);
    }
  }
};

void ignore_hangup() { std::signal(SIGHUP, SIG_IGN); }

HangupSignal::HangupSignal(uv_loop_t* loop, std::function<void()> cb)
    : cb_(std::move(cb)), handle_(new uv_signal_t{}) {
  uv_signal_init(loop, handle_);
  handle_->data = this;
  uv_signal_start(handle_, [](uv_signal_t* h, int) {
    if (auto* self = static_cast<HangupSignal*>(h->data)) self->cb_();
  }, SIGHUP);
}

HangupSignal::~HangupSignal() {
  uv::close_and_delete(handle_);  // libuv puts back the default action (the process ends)...
  ignore_hangup();                // ...so a SIGHUP during the shutdown is ignored instead
}

FileWatch::FileWatch(uv_loop_t* loop, const std::vector<std::string>& paths, unsigned interval_ms,
                     std::function<void()> cb)
    : interval_ms_(interval_ms), cb_(std::move(cb)), settle_(loop) {
  for (const auto& path : paths) {
    auto* h = new uv_fs_poll_t{};
    uv_fs_poll_init(loop, h);
    h->data = this;
    uv_fs_poll_start(h, [](uv_fs_poll_t* p, int, const uv_stat_t*, const uv_stat_t*) {
      if (auto* self = static_cast<FileWatch*>(p->data)) self->changed();
    }, path.c_str(), interval_ms);
    polls_.push_back(h);
  }
}

FileWatch::~FileWatch() {
  for (auto* h : polls_) uv::close_and_delete(h);
}

void FileWatch::changed() { settle_.start(interval_ms_, 0, [this] { cb_(); }); }

void count_static_refreshes(overlay::Node& node, std::set<std::string> static_aors,
                            metrics::GatewayMetrics& metrics, const Clock& clock) {
  node.on_stored([&metrics, &clock, aors = std::move(static_aors)](const std::string& aor) {
    if (aors.count(aor)) {
      metrics.static_registrations_refreshed(static_cast<double>(clock.wall_ms()) / 1000.0);
    }
  });
}

ConfigReloader::ConfigReloader(uv_loop_t* loop, const config::GatewayConfig& running,
                               ReloadSource source, ReloadTargets targets,
                               std::shared_ptr<spdlog::logger> log)
    : loop_(loop),
      source_(std::move(source)),
      targets_(targets),
      log_(std::move(log)),
      phones_path_(running.phones_file),
      lifetime_s_(running.registration_lifetime),
      static_(static_set(running.static_registrations, pair_digest)),
      creds_(digests(credential_files(running))),
      self_(std::make_shared<ConfigReloader*>(this)),
      hangup_(loop, [this] { reload("SIGHUP"); }) {
  std::vector<std::string> files;
  for (const std::string* f : {&std::as_const(source_.config_file), &running.phones_file}) {
    if (!f->empty()) files.push_back(*f);
  }
  if (running.config_watch > 0 && !files.empty() && source_.read) {
    watch_ = std::make_unique<FileWatch>(loop, files, running.config_watch * 1000,
                                         [this] { reload("config_watch: a file changed"); });
    log_->info("config_watch: looking at {} every {} s", fmt::join(files, ", "), running.config_watch);
  }
}

ConfigReloader::~ConfigReloader() { *self_ = nullptr; }

void ConfigReloader::reload(const char* why) {
  if (!source_.read) {
    log_->warn("reload: no configuration source to read again; nothing reloaded");
    return;
  }
  if (in_flight_) {
    again_ = true;
    return;
  }
  log_->info("{}: reading the configuration again", why);
  start_read();
}

void ConfigReloader::start_read() {
  auto r = std::make_unique<Read>();
  r->req.data = r.get();
  r->owner = self_;
  r->read = source_.read;
  r->running_phones = phones_path_;
  r->gateway = GatewayIdentity{targets_.node.node_id(), targets_.node.user(), {}};
  r->advertise = targets_.advertise;
  for (const auto& [path, digest] : creds_) r->credential_paths.push_back(path);
  if (const sip::TlsFiles* f = targets_.sip.tls_files()) r->tls_files = *f;
  r->log = log_;
  auto work = [](uv_work_t* req) { static_cast<Read*>(req->data)->run(); };
  auto after = [](uv_work_t* req, int status) {
    std::unique_ptr<Read> done(static_cast<Read*>(req->data));
    if (status != 0) done->error = std::string("cancelled: ") + uv_strerror(status);
    if (ConfigReloader* self = *done->owner) self->finished(*done);
  };
  if (int rc = uv_queue_work(loop_, &r->req, work, after); rc != 0) {
    log_->error("reload refused, keeping the running configuration: {}", uv_strerror(rc));
    targets_.metrics.config_reload(false);
    return;
  }
  in_flight_ = true;
  r.release();  // freed in `after`
}

void ConfigReloader::finished(Read& read) {
  in_flight_ = false;
  if (!read.error.empty()) {
    log_->error("reload refused, keeping the running configuration: {}", read.error);
    targets_.metrics.config_reload(false);
  } else if (targets_.node_cert &&
             targets_.node_cert->swap_if_changed("reload") == NodeCertificate::Swap::kRefused) {
    log_->error("reload refused, keeping the running configuration: the node's certificate files");
    targets_.metrics.config_reload(false);
  } else {
    apply(read);
    targets_.metrics.config_reload(true);
  }
  if (again_) {
    again_ = false;
    start_read();
  }
}

void ConfigReloader::apply(Read& read) {
  KeyChanges phones;
  apply_phones(read, phones);
  KeyChanges statics = diff_static(static_, read.statics);
  apply_static(read, statics);
  if (read.tls) apply_sip_tls(targets_.sip, *read.tls, *log_);
  targets_.sip.forget_lookups();
  log_->info("reload applied: {}", describe(phones, statics));
  warn_restart(read);
}

void ConfigReloader::apply_phones(Read& read, KeyChanges& changes) {
  sip::PhoneFrontEnd* front = targets_.sip.phones();
  if (!read.phones || front == nullptr) return;
  changes = diff_phones(front->phones(), *read.phones);
  phones_path_ = read.config.phones_file;
  if (!changes.empty()) front->replace_phones(std::move(*read.phones));
}

void ConfigReloader::apply_static(Read& read, const KeyChanges& changes) {
  if (changes.empty()) return;
  targets_.sip.replace_static(read.config);
  for (const auto& aor : changes.removed) {
    targets_.node.forget(aor);
    log_->info("static registration {} removed: removing it from the overlay", aor);
  }
  std::set<std::string> aors;
  for (auto& k : read.kept) {
    aors.insert(k.aor);
    bool touched = std::binary_search(changes.added.begin(), changes.added.end(), k.aor) ||
                   std::binary_search(changes.changed.begin(), changes.changed.end(), k.aor);
    if (!touched) continue;
    if (targets_.node.keep(k.aor, k.value, lifetime_s_, std::move(k.who))) {
      log_->info("keeping {} registered in the overlay", k.aor);
    } else {
      log_->warn("cannot keep {} registered in the overlay", k.aor);
    }
  }
  count_static_refreshes(targets_.node, std::move(aors), targets_.metrics, targets_.clock);
  static_ = std::move(read.statics);
}

void ConfigReloader::warn_restart(const Read& read) {
  auto keys = restart_keys(config::gateway_schema(), source_.started, read.settings, kReloadable);
  if (!read.phones && read.config.phones_file != phones_path_) keys.push_back("phones_file");
  if (!keys.empty()) {
    log_->warn("reload: changed keys apply from the next start only: {}", fmt::join(keys, ", "));
  }
  std::vector<std::string> files;
  for (const auto& [path, digest] : read.credentials) {
    if (creds_[path] != digest && !(read.tls && sip_tls_only(read.config, path))) files.push_back(path);
  }
  if (!files.empty()) {
    log_->warn("reload: certificate files changed on disk ({}): the overlay root and sip_tls_ca "
               "are read at start only, they apply from the next start", fmt::join(files, ", "));
  }
}

}  // namespace p2psip::runtime
