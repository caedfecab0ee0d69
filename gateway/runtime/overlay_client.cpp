#include "gateway/runtime/overlay_client.h"

#include <uv.h>

#include <cstdio>
#include <memory>

#include "gateway/runtime/gateway_process.h"
#include "gateway/runtime/logging.h"
#include "gateway/runtime/overlay_credentials.h"
#include "gateway/runtime/overlay_usage.h"
#include "overlay/link/uv_util.h"
#include "overlay/peer/node.h"

namespace p2psip::runtime {

namespace {

struct Session {
  uv_loop_t loop{};
  uv_timer_t* timer = nullptr;
  int exit_code = -1;
  bool op_started = false;

  void finish(int code) {
    if (exit_code >= 0) return;
    exit_code = code;
    uv_stop(&loop);
  }
};

int fail(const std::string& tool, const std::string& line, int code) {
  std::fprintf(stderr, "%s: %s\n", tool.c_str(), line.c_str());
  return code;
}

// Runs the loop until the close callbacks of everything destroyed have run.
void drain(uv_loop_t* loop) {
  for (int i = 0; i < 8; ++i) uv_run(loop, UV_RUN_NOWAIT);
}

}  // namespace

int run_overlay_client(const std::string& tool, const ClientOptions& o,
                       std::function<void(ClientSession&, std::function<void(int)>)> op) {
  auto cert = security::Certificate::load(o.cert);
  if (!cert) return fail(tool, "--cert: " + cert.error(), kExitConfigError);
  config::OverlayConfig c;
  c.overlay = cert->overlay();
  c.overlay_listen = config::HostPort{"127.0.0.1", 0, false};
  c.bootstrap = {o.bootstrap};
  c.cert = o.cert;
  c.key = o.key;
  c.ca = o.ca;
  c.log_level = o.log_level;
  auto log = make_logger("client", o.log_level);
  auto plan = prepare_overlay(c, *log);
  if (!plan) {
    int code = plan.error().exit_code == kExitConfigError ? kExitConfigError : o.failure_exit;
    return fail(tool, plan.error().message, code);
  }
  plan->node.peer.client = true;
  auto registrant = make_registrant(plan->credentials);
  if (!registrant) return fail(tool, registrant.error(), kExitConfigError);
  SystemClock clock;
  auto verifiers = chain_verifier(copy_roots(plan->credentials.roots), c.overlay, clock);

  Session s;
  uv_loop_init(&s.loop);
  int rc = o.failure_exit;
  {
    auto node = peer::Node::create(&s.loop, std::move(plan->node), std::move(plan->credentials),
                                   clock, [log](int level, const std::string& line) {
                                     if (level >= peer::Node::kWarn) log->warn("{}", line);
                                     else log->debug("{}", line);
                                   });
    if (!node) return fail(tool, node.error(), kExitConfigError);
    NodeRequestSender sender(**node);
    usage::SipUsageClient client(sender, verifiers, usage::UsageConfig{c.overlay});
    std::string user = cert->user();
    ClientSession session{client, *registrant, user, clock};
    auto start_op = [&] {
      if (s.op_started || (*node)->state() != peer::PeerState::kJoined) return;
      s.op_started = true;
      op(session, [&s](int code) { s.finish(code); });
    };
    (*node)->on_change(start_op);
    if (auto started = (*node)->start(); !started) {
      drain(&s.loop);
      return fail(tool, started.error(), o.failure_exit);
    }
    s.timer = new uv_timer_t{};
    uv_timer_init(&s.loop, s.timer);
    s.timer->data = &s;
    uv_timer_start(s.timer, [](uv_timer_t* t) {
      if (auto* self = static_cast<Session*>(t->data)) self->finish(-2);
    }, static_cast<std::uint64_t>(o.timeout.count()), 0);
    start_op();
    if (s.exit_code < 0) uv_run(&s.loop, UV_RUN_DEFAULT);
    link::close_and_delete(s.timer);
    if (s.exit_code == -2) {
      rc = fail(tool, std::string(s.op_started ? "no answer" : "could not connect to ") +
                          (s.op_started ? "" : o.bootstrap.to_string()) + " within " +
                          std::to_string(o.timeout.count() / 1000) + " s",
                o.failure_exit);
    } else {
      rc = s.exit_code;
    }
  }
  drain(&s.loop);
  uv_loop_close(&s.loop);
  return rc;
}

}  // namespace p2psip::runtime
