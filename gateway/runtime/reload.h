#pragma once
// Configuration changes without a restart (issue 19). SIGHUP makes the gateway read its
// configuration again (the same --config file, environment and flags) and apply what can
// change while it runs; calls in flight and the bindings of phones that stay are untouched:
//
//  - phones_file: new users can register at once, removed users cannot any more and their
//    bindings are dropped at once (a phone taken out of the file is no longer routable nor a
//    trusted sender), changed passwords count from the next REGISTER (bindings stay);
//  - static_registrations: new AoRs stored in the overlay, removed ones removed, changed ones
//    (contacts, certificate/key paths or those files' content) stored again; the proxy's
//    static routing table follows;
//  - with config_watch N > 0 the config file and the phones file are looked at every N seconds
//    and a change reloads as SIGHUP does (FileWatch);
//  - the node's certificate and key files (cert/key, or the enrolled ones): changed content is
//    handed to the running node first (node_certificate.h); a pair it refuses (another
//    Node-ID, not its key, expired, ...) refuses the whole reload;
//  - SIP TLS's certificate and key: served to new TLS connections (reload_sip_tls.h);
//  - everything else (listen addresses, the overlay root, sip_tls_ca, ...) is read at start
//    only: a warning names the keys and certificate files that changed, they apply from the
//    next start.
//
// All or nothing: a new configuration that cannot be read or parsed, or whose static
// registrations' certificates do not load, is refused with one log line and the running one
// is kept. p2psip_config_reloads_total{result="ok"|"refused"} counts both. The files are read
// on libuv's thread pool, never on the loop; the result is applied on the loop.

#include <spdlog/logger.h>
#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "common/uv_handle.h"
#include "gateway/config/gateway_config.h"
#include "gateway/runtime/reload_plan.h"
#include "metrics/metrics.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::runtime {

class SipSide;
class NodeCertificate;

// Where the running gateway's configuration came from: the settings it started with (before
// enrollment filled in cert/key/ca) and how to read them again. No reader: SIGHUP only logs.
struct ReloadSource {
  config::Settings started;
  std::function<Expected<config::Settings, config::ConfigError>()> read;
  std::string config_file;  // the YAML file (--config or P2PSIP_CONFIG), watched with config_watch
};

// config_watch: looks at files every `interval_ms` (uv_fs_poll: a stat each time, which also
// sees a file replaced by a rename, as editors and Kubernetes ConfigMaps do) and runs `cb` one
// interval after the last change seen, so that a file being written is read once complete.
class FileWatch {
 public:
  FileWatch(uv_loop_t* loop, const std::vector<std::string>& paths, unsigned interval_ms,
            std::function<void()> cb);
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

 private:
  void changed();

  unsigned interval_ms_;
  std::function<void()> cb_;
  std::vector<uv_fs_poll_t*> polls_;
  uv::Timer settle_;
};

// SIGHUP on a uv loop (uv_signal): `cb` runs on the loop. Without it SIGHUP ends the process:
// the commands ignore SIGHUP from their start (ignore_hangup) until one exists, and from its
// end on.
void ignore_hangup();
class HangupSignal {
 public:
  HangupSignal(uv_loop_t* loop, std::function<void()> cb);
  ~HangupSignal();  // closes the handle (freed in its close callback)
  HangupSignal(const HangupSignal&) = delete;
  HangupSignal& operator=(const HangupSignal&) = delete;

 private:
  std::function<void()> cb_;
  uv_signal_t* handle_ = nullptr;
};

// Counts the refreshes of the static registrations (p2psip_gateway_static_registrations_
// refresh_timestamp_seconds): installed at start, again after a reload changed the set.
void count_static_refreshes(overlay::Node& node, std::set<std::string> static_aors,
                            metrics::GatewayMetrics& metrics, const Clock& clock);

// What a reload acts on; everything outlives the reloader.
struct ReloadTargets {
  SipSide& sip;
  overlay::Node& node;
  metrics::GatewayMetrics& metrics;
  const Clock& clock;
  config::HostPort advertise;  // the SIP side's, for static AoRs with several contacts
  NodeCertificate* node_cert = nullptr;  // swaps changed node certificate files; may be null
};

class ConfigReloader {
 public:
  ConfigReloader(uv_loop_t* loop, const config::GatewayConfig& running, ReloadSource source,
                 ReloadTargets targets, std::shared_ptr<spdlog::logger> log);
  ~ConfigReloader();
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;

  // Reads the configuration again (off the loop) and applies it, or refuses it. A reload
  // asked while one runs is done once more after it. SIGHUP calls it from construction on;
  // destroy the reloader before the SIP side, the node and the loop.
  void reload(const char* why);

  struct Read;  // one reading's result (reload.cpp)

 private:
  void start_read();
  void finished(Read& read);
  void apply(Read& read);
  void apply_phones(Read& read, KeyChanges& changes);
  void apply_static(Read& read, const KeyChanges& changes);
  void warn_restart(const Read& read);

  uv_loop_t* loop_;
  ReloadSource source_;
  ReloadTargets targets_;
  std::shared_ptr<spdlog::logger> log_;
  std::string phones_path_;                     // the running phones_file ("" : none)
  std::uint32_t lifetime_s_;                    // registration_lifetime (read at start)
  StaticSet static_;                            // the running static registrations
  std::map<std::string, std::string> creds_;    // credential file -> digest, at start
  std::shared_ptr<ConfigReloader*> self_;       // the thread-pool work finds us here (or null)
  bool in_flight_ = false;
  bool again_ = false;
  HangupSignal hangup_;  // SIGHUP -> reload()
  std::unique_ptr<FileWatch> watch_;  // config_watch > 0
};

}  // namespace p2psip::runtime
