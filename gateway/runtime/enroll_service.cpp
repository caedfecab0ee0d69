#include "gateway/runtime/enroll_service.h"

#include <future>

#include "gateway/config/advertise.h"
#include "gateway/config/phones.h"
#include "gateway/runtime/gateway_process.h"

namespace p2psip::runtime {

void EnrollReport::document_served() {
  ++documents_;
  if (metrics_) metrics_->document_served();
}

void EnrollReport::enrolled() {
  ++enrolled_;
  if (metrics_) metrics_->enrolled();
}

void EnrollReport::refused(std::string_view reason) {
  ++refused_[std::string(reason)];
  if (metrics_) metrics_->refused(reason);
}

void EnrollReport::connection_evicted() {
  ++evicted_;
  if (metrics_) metrics_->connection_evicted();
}

void EnrollReport::log() const {
  std::string refusals;
  for (const auto& [why, n] : refused_) refusals += " " + why + "=" + std::to_string(n);
  spdlog::info("enroll-server: stopped: {} documents, {} enrollments, refused:{}, {} connections evicted",
               documents_, enrolled_, refusals.empty() ? " none" : refusals, evicted_);
}

Expected<std::unique_ptr<EnrollThread>, StartError> EnrollThread::start(
    overlay::EnrollServerOptions o, std::size_t lockout, metrics::EnrollMetrics& m, spdlog::logger& log) {
  std::unique_ptr<EnrollThread> t(new EnrollThread(lockout, m));
  auto ready = std::make_shared<std::promise<int>>();  // 0: listening; else the exit code
  std::future<int> started = ready->get_future();
  t->thread_ = std::thread([self = t.get(), o = std::move(o), ready, &log] {
    bool told = false;
    int rc = overlay::run_enroll_server(
        o, self->lockout_, self->report_, self->stop_,
        [&](const std::string& url, const std::string& fingerprint) {
          log.info("enroll-server: serving {}", url);
          log.info("enroll-server: certificate sha256 {}", fingerprint);
          told = true;
          ready->set_value(0);
        });
    if (!told) ready->set_value(rc == 0 ? kExitRuntimeError : rc);
    self->report_.log();
  });
  int rc = started.get();  // the server either calls ready or returns
  if (rc != 0) return unexpected(StartError{rc, "enroll_listen: the enrollment server did not start"});
  return t;
}

EnrollThread::~EnrollThread() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

overlay::EnrollServerOptions gateway_enroll_options(const config::GatewayConfig& c,
                                                    const AnnouncedHosts& announced) {
  const config::InProcessEnrollConfig& e = c.enroll_server;
  overlay::EnrollServerOptions o;
  o.overlay = c.overlay;
  if (e.listen) o.listen = {e.listen->host, e.listen->port};
  o.ca_dir = e.ca_dir.empty() ? c.data_dir + "/ca" : e.ca_dir;
  o.domain = c.domain;
  o.sequence = e.sequence;
  o.bad_nodes_file = e.bad_nodes_file;
  if (config::is_any_address(o.listen.host) && !announced.sip.empty()) {
    // The nodes are sent to the enrollment URL in the document: never https://0.0.0.0/.
    o.advertise = {announced.sip, o.listen.port};
  }
  for (const config::HostPort& b : e.bootstrap) o.bootstrap.push_back({b.host, b.port});
  if (o.bootstrap.empty()) {
    bool any = config::is_any_address(c.overlay_listen.host) && !announced.overlay.empty();
    o.bootstrap.push_back({any ? announced.overlay : c.overlay_listen.host, c.overlay_listen.port});
  }
  return o;
}

Expected<std::unique_ptr<EnrollThread>, StartError> start_gateway_enroll(
    const config::GatewayConfig& c, const AnnouncedHosts& announced, metrics::EnrollMetrics& m,
    spdlog::logger& log) {
  const config::InProcessEnrollConfig& e = c.enroll_server;
  if (!e.listen) return std::unique_ptr<EnrollThread>();
  overlay::EnrollServerOptions o = gateway_enroll_options(c, announced);
  const std::string& users_file = e.users.empty() ? c.phones_file : e.users;
  if (users_file.empty()) {
    return unexpected(StartError{kExitConfigError, "config error: enroll_users: enroll_listen "
                                                   "needs a users file (enroll_users or phones_file)"});
  }
  auto users = config::read_phones_file(users_file);
  if (!users) return unexpected(StartError{kExitConfigError, "config error: enroll_users: " + users.error()});
  o.users.insert(users->begin(), users->end());
  if (!o.advertise.host.empty()) {
    log.info("enroll_listen {}: the configuration document names https://{}:{} (the SIP "
             "advertise address)", e.listen->to_string(), o.advertise.host, o.advertise.port);
  }
  return EnrollThread::start(std::move(o), e.lockout, m, log);
}

}  // namespace p2psip::runtime
