#pragma once
// The SIP side on Sofia-SIP nta (DESIGN.md §4): one agent listening on UDP and TCP whose
// requests outside any transaction go to the proxy (proxy.h). Everything runs on the loop
// thread.

#include <cstdint>
#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>

#include "common/expected.h"
#include "gateway/config/host_port.h"
#include "gateway/sip/pinned_via_class.h"
#include "gateway/sip/proxy.h"
#include "gateway/sip/sofia_handles.h"
#include "gateway/sip/tcp_guard.h"
#include "gateway/sip/tls_material.h"
#include "gateway/sip/tls_reload.h"

struct nta_agent_s;
struct msg_s;
struct sip_s;
struct su_root_s;

namespace p2psip::sip {

// SIP over TLS (a `sips:` listener; TLS targets are used only when this is set).
struct SipTlsOptions {
  config::HostPort listen;
  TlsFiles files;
  std::string work_dir;  // where the private credentials directory is made (the data_dir)
  bool verify = true;  // outgoing connections need a server certificate chaining to files.ca
};

class SipAgent {
 public:
  // `t1_ms` is nta's timer T1 (NTATAG_SIP_T1); client transactions time out after 64*T1.
  // `tcp`: bounds on the connections to the TCP and TLS listeners (tcp_limits.h).
  // `t1x64`: nta's 64*T1 (timers B, F, H, J; sip_timers.h); 0: 64 * t1_ms.
  static Expected<std::unique_ptr<SipAgent>, std::string> start(
      su_root_s* root, const config::HostPort& listen, const std::optional<SipTlsOptions>& tls,
      unsigned t1_ms, ProxyDeps deps, std::shared_ptr<spdlog::logger> log,
      const TcpLimits& tcp = {}, unsigned t1x64 = 0);

  // Per connection, enforced by Sofia: the largest message (bigger: 413, connection closed),
  // how long an incomplete message may stall without a byte (then 400, closed), how long a
  // connection without pending transactions may stay idle.
  static constexpr unsigned kMaxMessageBytes = 65536;
  static constexpr unsigned kStallMs = 10'000;
  static constexpr unsigned kIdleMs = 120'000;
  ~SipAgent();
  // Proxy transactions and calls in flight (the drain waits for them): Proxy::in_flight.
  std::size_t in_flight() const;
  // SIP messages nta handed us so far (the heap trimmer's measure of quiet, heap_trim.h).
  std::uint64_t messages_received() const { return messages_received_; }
  SipAgent(const SipAgent&) = delete;
  SipAgent& operator=(const SipAgent&) = delete;
  Proxy& proxy() { return *proxy_; }
  // SIP TLS renewal (tls_reload.h): the files the TLS transport was started with (null: no
  // TLS), and the new certificate and key for every TLS connection made from now on (true:
  // the certificate differs from the one served before).
  const TlsFiles* tls_files() const { return tls_ ? &tls_files_ : nullptr; }
  Expected<bool, std::string> replace_tls(const TlsCredentials& creds);

 private:
  explicit SipAgent(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}
  // nta's message callback for requests (and stray responses) outside any transaction.
  static int on_message(void* magic, nta_agent_s* agent, msg_s* msg, sip_s* sip);

  std::unique_ptr<PinnedViaClass> via_class_;  // outlives the agent and its messages
  std::unique_ptr<TlsMaterial> tls_;  // outlives the agent's TLS transport
  TlsFiles tls_files_;
  TlsContexts tls_contexts_;  // Sofia's TLS transport's SSL_CTX(s), referenced
  sofia::Agent agent_;  // destroyed after the proxy and its transactions (~SipAgent)
  std::unique_ptr<Proxy> proxy_;
  std::uint64_t messages_received_ = 0;
  std::unique_ptr<TcpGuard> tcp_guard_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace p2psip::sip
