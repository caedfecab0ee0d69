#include "gateway/runtime/bootstrap_names.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <uv.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "common/uv_handle.h"
#include "gateway/runtime/uv_loop.h"

namespace p2psip::runtime {

namespace {

// One uv_getaddrinfo in flight; its result lands in `address` or `error`.
struct Lookup {
  uv_getaddrinfo_t req{};
  std::optional<std::string> address;
  std::string error;
  bool done = false;
};

void looked_up(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  auto* l = static_cast<Lookup*>(req->data);
  l->done = true;
  if (status != 0 || res == nullptr) {
    l->error = uv_strerror(status);
  } else {
    std::array<char, NI_MAXHOST> host{};
    if (getnameinfo(res->ai_addr, res->ai_addrlen, host.data(), host.size(), nullptr, 0,
                    NI_NUMERICHOST) == 0) {
      l->address = host.data();
    } else {
      l->error = "no numeric address";
    }
  }
  if (res) uv_freeaddrinfo(res);
  // Every lookup of the round done: stop the loop (the timer, if any, is not running then).
  uv_stop(req->loop);
}

// One round: every name not yet resolved, looked up at once. False: a stop signal came.
bool lookup_round(UvLoop& loop, std::vector<overlay::Endpoint>& bootstrap,
                  std::vector<bool>& resolved, spdlog::logger& log, bool& stopped) {
  std::vector<std::unique_ptr<Lookup>> lookups(bootstrap.size());
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  for (std::size_t i = 0; i < bootstrap.size(); ++i) {
    if (resolved[i]) continue;
    lookups[i] = std::make_unique<Lookup>();
    lookups[i]->req.data = lookups[i].get();
    int rc = uv_getaddrinfo(loop.uv(), &lookups[i]->req, looked_up, bootstrap[i].host.c_str(),
                            nullptr, &hints);
    if (rc != 0) {
      lookups[i]->done = true;
      lookups[i]->error = uv_strerror(rc);
    }
  }
  auto pending = [&] {
    return std::any_of(lookups.begin(), lookups.end(), [](const auto& l) { return l && !l->done; });
  };
  while (pending() && !stopped) loop.run();  // each answer (or a stop signal) stops the loop
  if (stopped) {
    // Cancel what has not started; a lookup under way still calls back (its request lives in
    // `lookups`), so wait for it.
    for (auto& l : lookups) {
      if (l && !l->done) uv_cancel(reinterpret_cast<uv_req_t*>(&l->req));
    }
    while (pending()) uv_run(loop.uv(), UV_RUN_ONCE);
    return false;
  }
  for (std::size_t i = 0; i < bootstrap.size(); ++i) {
    if (!lookups[i]) continue;
    if (lookups[i]->address) {
      log.info("bootstrap peer {}:{} resolved to {}", bootstrap[i].host, bootstrap[i].port,
               *lookups[i]->address);
      bootstrap[i].host = *lookups[i]->address;
      resolved[i] = true;
    } else {
      log.warn("bootstrap peer {}:{}: cannot resolve '{}' ({})", bootstrap[i].host,
               bootstrap[i].port, bootstrap[i].host, lookups[i]->error);
    }
  }
  return true;
}

}  // namespace

std::chrono::milliseconds bootstrap_retry_delay(int failed_rounds) {
  int shift = std::clamp(failed_rounds - 1, 0, 5);
  return std::min(std::chrono::milliseconds(1000LL << shift), std::chrono::milliseconds(30000));
}

bool resolve_bootstrap_names(std::vector<overlay::Endpoint>& bootstrap, spdlog::logger& log) {
  std::vector<bool> resolved(bootstrap.size());
  for (std::size_t i = 0; i < bootstrap.size(); ++i) resolved[i] = is_ip_literal(bootstrap[i].host);
  if (std::all_of(resolved.begin(), resolved.end(), [](bool r) { return r; })) return true;

  auto loop = UvLoop::create();
  if (!loop) {  // cannot happen short of resources: leave the names to the overlay's own lookup
    log.warn("bootstrap names: {}", loop.error());
    return true;
  }
  bool stopped = false;
  (*loop)->on_stop_signal([&](int) { stopped = true; });
  for (int failed = 0;; ) {
    if (!lookup_round(**loop, bootstrap, resolved, log, stopped)) break;
    if (std::any_of(resolved.begin(), resolved.end(), [](bool r) { return r; })) {
      std::vector<overlay::Endpoint> usable;
      for (std::size_t i = 0; i < bootstrap.size(); ++i) {
        if (resolved[i]) {
          usable.push_back(bootstrap[i]);
        } else {
          log.warn("bootstrap peer {}:{} left out: its name does not resolve", bootstrap[i].host,
                   bootstrap[i].port);
        }
      }
      bootstrap = std::move(usable);
      return true;
    }
    auto delay = bootstrap_retry_delay(++failed);
    log.warn("no bootstrap peer's name resolves yet (a DNS miss is not a configuration error: "
             "the peer may not be up yet); looking up again in {} s",
             delay.count() / 1000.0);
    uv::Timer timer((*loop)->uv());
    timer.start(static_cast<std::uint64_t>(delay.count()), 0, [&] { (*loop)->stop(); });
    (*loop)->run();
    if (stopped) break;
  }
  log.info("stop signal while waiting for the bootstrap peers' names: not started");
  return false;
}

}  // namespace p2psip::runtime
