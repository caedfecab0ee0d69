#include "gateway/runtime/sip_workers.h"

#include <atomic>
#include <future>
#include <thread>

#include <fmt/format.h>

#include "common/uv_handle.h"
#include "gateway/runtime/event_loop.h"
#include "gateway/runtime/loop_inbox.h"
#include "gateway/runtime/sip_side.h"

namespace p2psip::runtime {

Expected<config::GatewayConfig, std::string> worker_config(const config::GatewayConfig& config,
                                                           unsigned worker) {
  config::GatewayConfig c = config;
  if (config.sip_listen.port == 0) {
    return unexpected(std::string("sip_workers > 1 needs a sip_listen port (not 0): worker k "
                                  "listens on that port + k"));
  }
  auto shifted = [worker](std::uint16_t port) -> std::optional<std::uint16_t> {
    if (port + worker > 65535u) return std::nullopt;
    return static_cast<std::uint16_t>(port + worker);
  };
  auto listen = shifted(config.sip_listen.port);
  if (!listen) {
    return unexpected(fmt::format("sip_workers {}: sip_listen port {} + {} passes 65535",
                                  config.sip_workers, config.sip_listen.port, worker));
  }
  c.sip_listen.port = *listen;
  if (config.sip_advertise) {
    auto advertised = shifted(config.sip_advertise->port);
    if (!advertised) {
      return unexpected(fmt::format("sip_workers {}: sip_advertise port {} + {} passes 65535",
                                    config.sip_workers, config.sip_advertise->port, worker));
    }
    c.sip_advertise->port = *advertised;
  }
  c.sip_tls_listen.reset();
  c.phones_file.clear();
  return c;
}

struct SipWorkers::Worker {
  unsigned index = 0;
  std::thread thread;
  // Set by the thread before it reports started; used only by tasks posted to `inbox`, which
  // run on the worker's thread while both live.
  std::shared_ptr<LoopInbox> inbox;
  EventLoop* loop = nullptr;
  SipSide* side = nullptr;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::uint64_t> messages{0};

  // The thread: builds the worker's SIP side, reports whether it listens, runs until stopped.
  void run(config::GatewayConfig config, const Clock& clock, MetricsPort& port,
           const std::string& node_id, OverlayBridge& bridge, spdlog::logger& log,
           std::promise<bool> started);
};

void SipWorkers::Worker::run(config::GatewayConfig config, const Clock& clock, MetricsPort& port,
                             const std::string& node_id, OverlayBridge& bridge,
                             spdlog::logger& log, std::promise<bool> started) {
  auto own_loop = EventLoop::create(false);  // stopped by the main thread, not by signals
  if (!own_loop) {
    log.error("SIP worker {}: event loop: {}", index, own_loop.error());
    return started.set_value(false);
  }
  auto plan = plan_sip(config);
  if (!plan) {
    log.error("SIP worker {}: {}", index, plan.error().message);
    return started.set_value(false);
  }
  auto own_side = SipSide::start(config, std::move(*plan), **own_loop, clock, port, node_id, log, index);
  if (!own_side) return started.set_value(false);
  auto own = LoopInbox::create((*own_loop)->uv());
  own_side->attach(&bridge, own, &port.metrics.overlay);
  uv::Timer publish((*own_loop)->uv());
  publish.start(0, static_cast<std::uint64_t>(kPublish.count()), [this, &own_side] {
    in_flight = own_side->in_flight();
    messages = own_side->messages_received();
  });
  inbox = own;
  loop = own_loop->get();
  side = own_side.get();
  started.set_value(true);
  (*own_loop)->run();
  // Nothing posted runs from here on; then the SIP side (its agent, DNS), then the loop.
  own->close();
  publish.stop();
  in_flight = 0;
  own_side->attach(static_cast<OverlayBridge*>(nullptr), nullptr, nullptr);
  own_side.reset();
}

std::unique_ptr<SipWorkers> SipWorkers::start(const config::GatewayConfig& config,
                                              const Clock& clock, MetricsPort& port,
                                              const std::string& node_id, OverlayBridge& bridge,
                                              spdlog::logger& log) {
  std::unique_ptr<SipWorkers> self(new SipWorkers());
  for (unsigned k = 1; k < config.sip_workers; ++k) {
    auto wc = worker_config(config, k);
    if (!wc) {
      log.error("config error: {}", wc.error());
      return nullptr;  // the workers started so far stop with `self`
    }
    auto w = std::make_unique<Worker>();
    w->index = k;
    std::promise<bool> started;
    auto listening = started.get_future();
    Worker* raw = w.get();
    w->thread = std::thread([raw, wc = std::move(*wc), &clock, &port, node_id, &bridge, &log,
                             started = std::move(started)]() mutable {
      raw->run(std::move(wc), clock, port, node_id, bridge, log, std::move(started));
    });
    bool ok = listening.get();
    self->workers_.push_back(std::move(w));
    if (!ok) return nullptr;
  }
  if (!self->workers_.empty()) {
    log.info("{} SIP workers: ports {} to {}", config.sip_workers, config.sip_listen.port,
             config.sip_listen.port + config.sip_workers - 1);
  }
  return self;
}

SipWorkers::~SipWorkers() {
  // One after the other: c-ares 1.18's ares_library_cleanup (each worker's resolver) is not
  // thread-safe. A worker that never started has no inbox and its thread has ended already.
  for (auto& w : workers_) {
    if (w->inbox) w->inbox->post([loop = w->loop] { loop->stop(); });
    if (w->thread.joinable()) w->thread.join();
  }
}

void SipWorkers::replace_static(const config::GatewayConfig& config) {
  for (auto& w : workers_) {
    w->inbox->post([side = w->side, config] { side->replace_static(config); });
  }
}

void SipWorkers::forget_lookups() {
  for (auto& w : workers_) w->inbox->post([side = w->side] { side->forget_lookups(); });
}

std::size_t SipWorkers::in_flight() const {
  std::size_t n = 0;
  for (const auto& w : workers_) n += w->in_flight.load();
  return n;
}

std::uint64_t SipWorkers::messages_received() const {
  std::uint64_t n = 0;
  for (const auto& w : workers_) n += w->messages.load();
  return n;
}

}  // namespace p2psip::runtime
