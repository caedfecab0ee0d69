#include "overlay/api/name_lookup.h"

#include <netdb.h>
#include <sys/socket.h>

#include <array>

#include "common/uv_handle.h"
#include "overlay/peer/node.h"

namespace p2psip::overlay {

namespace {

// The one uv_getaddrinfo in flight; the thread pool calls back into it.
struct Pending {
  uv_getaddrinfo_t req{};
  bool done = false;
  int status = 0;
  std::string address;  // numeric, of the first answer
};

void answered(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  auto* p = static_cast<Pending*>(req->data);
  p->done = true;
  p->status = status;
  if (status == 0 && res != nullptr) {
    std::array<char, NI_MAXHOST> host{};
    if (getnameinfo(res->ai_addr, res->ai_addrlen, host.data(), host.size(), nullptr, 0,
                    NI_NUMERICHOST) == 0) {
      p->address = host.data();
    }
  }
  if (res != nullptr) uv_freeaddrinfo(res);
  uv_stop(req->loop);
}

std::string entry(const Endpoint& e) { return "'" + e.host + ":" + std::to_string(e.port) + "'"; }

}  // namespace

Expected<wire::IpAddressPort, NameError> lookup_on_loop(uv_loop_t* loop, const Endpoint& e,
                                                        Millis timeout) {
  if (auto a = peer::make_address(e.host, e.port)) return *a;
  Pending p;
  p.req.data = &p;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  if (int rc = uv_getaddrinfo(loop, &p.req, answered, e.host.c_str(), nullptr, &hints); rc != 0) {
    return unexpected(NameError{false, "cannot resolve " + entry(e) + ": " + uv_strerror(rc)});
  }
  bool timed_out = false;
  {
    uv::Timer timer(loop);
    timer.start(static_cast<std::uint64_t>(timeout.count()), 0, [&] {
      timed_out = true;
      uv_stop(loop);
    });
    while (!p.done && !timed_out) uv_run(loop, UV_RUN_DEFAULT);
  }
  if (!p.done) {
    // A lookup not started yet is cancelled (it calls back with UV_ECANCELED); one under way in
    // the thread pool still calls back into `p`, so wait for it: the system resolver's own
    // timeouts (resolv.conf) bound that wait.
    uv_cancel(reinterpret_cast<uv_req_t*>(&p.req));
    while (!p.done) uv_run(loop, UV_RUN_ONCE);
    return unexpected(NameError{true, "no answer for " + entry(e) + " in time"});
  }
  if (p.status != 0) {
    return unexpected(NameError{false, "cannot resolve " + entry(e) + ": " + uv_strerror(p.status)});
  }
  auto a = peer::make_address(p.address, e.port);
  if (!a) return unexpected(NameError{false, "cannot resolve " + entry(e) + ": no numeric address"});
  return *a;
}

}  // namespace p2psip::overlay
