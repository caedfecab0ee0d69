// run_client: a RELOAD client session on a loop of its own (RFC 6940 §3.2).
#include "p2psip/overlay/client.h"

#include <uv.h>

#include <algorithm>

#include "overlay/api/convert.h"
#include "overlay/api/credentials.h"
#include "overlay/api/deferred.h"
#include "overlay/api/name_lookup.h"
#include "overlay/api/node_impl.h"
#include "overlay/api/usage_glue.h"
#include "overlay/peer/node.h"

namespace p2psip::overlay {

namespace {

struct Loop {
  uv_loop_t loop{};
  Loop() { uv_loop_init(&loop); }
  ~Loop() {
    // Runs the loop until the close callbacks of everything destroyed have run.
    for (int i = 0; i < 8; ++i) uv_run(&loop, UV_RUN_NOWAIT);
    uv_loop_close(&loop);
  }
};

class Session final : public ClientSession {
 public:
  Session(uv_loop_t* loop, usage::SipUsageClient& usage, Registrant who, std::string user,
          const Clock& clock)
      : usage_(usage), who_(std::move(who)), user_(std::move(user)), clock_(clock),
        deferred_(loop) {}

  void store(std::string_view aor, const Contact& value, std::uint32_t lifetime_s,
             StoreDone done) override {
    const usage::Registrant& r = who_.impl()->registrant;
    auto finish = deferred_.later(std::move(done));
    auto wire_value = to_wire(value, r.node);
    if (!wire_value) {
      usage::UsageError e;
      e.text = "a route entry is not a Node-ID";
      return finish(unexpected(to_failure(e)));
    }
    usage_.store(r, aor, *wire_value, lifetime_s, clock_.wall_ms(), store_done(std::move(finish)));
  }
  void remove(std::string_view aor, std::uint32_t lifetime_s, StoreDone done) override {
    usage_.remove(who_.impl()->registrant, aor, lifetime_s, clock_.wall_ms(),
                  store_done(deferred_.later(std::move(done))));
  }
  void lookup(std::string_view aor, LookupDone done) override {
    usage_.lookup(aor, lookup_done(deferred_.later(std::move(done))));
  }
  const std::string& user() const override { return user_; }

 private:
  usage::SipUsageClient& usage_;
  Registrant who_;
  std::string user_;
  const Clock& clock_;
  Deferred deferred_;
};

ClientError setup_error(Error e) { return ClientError{ClientError::Kind::kSetup, std::move(e)}; }

}  // namespace

Expected<int, ClientError> run_client(
    const ClientConfig& o, std::function<void(ClientSession&, std::function<void(int)>)> op) {
  auto cert = security::Certificate::load(o.credentials.cert);
  if (!cert) return unexpected(setup_error({Error::Kind::kConfig, "cert", cert.error()}));
  std::string overlay = cert->overlay();
  peer::NodeConfig nc;
  nc.overlay = overlay;
  nc.listen_ip = "127.0.0.1";
  nc.listen_port = 0;
  nc.peer.client = true;
  auto credentials = load_credentials(overlay, o.credentials);
  if (!credentials) return unexpected(setup_error(credentials.error()));
  auto registrant = make_registrant(*credentials);
  if (!registrant) return unexpected(setup_error({Error::Kind::kConfig, "", registrant.error()}));
  SystemClock clock;
  auto verifiers = chain_verifier(copy_roots(credentials->roots), overlay, clock);

  Loop l;
  // A name is looked up on the session's loop (thread pool), within the session's timeout.
  std::uint64_t began = uv_now(&l.loop);
  auto bootstrap = lookup_on_loop(&l.loop, o.bootstrap, o.timeout);
  if (!bootstrap && bootstrap.error().timed_out) {
    return unexpected(ClientError{ClientError::Kind::kConnectTimeout,
                                  {Error::Kind::kRuntime, "bootstrap", bootstrap.error().message}});
  }
  if (!bootstrap) {
    return unexpected(setup_error({Error::Kind::kConfig, "bootstrap", bootstrap.error().message}));
  }
  nc.bootstrap.push_back(*bootstrap);
  auto spent = static_cast<Millis::rep>(uv_now(&l.loop) - began);
  Millis left = std::max(Millis{0}, o.timeout - Millis{spent});
  int exit_code = -1;
  bool op_started = false;
  auto finish = [&](int code) {
    if (exit_code >= 0) return;
    exit_code = code;
    uv_stop(&l.loop);
  };
  {
    auto node = peer::Node::create(&l.loop, std::move(nc), std::move(*credentials), clock,
                                   node_logger(o.log));
    if (!node) return unexpected(setup_error({Error::Kind::kConfig, "", node.error()}));
    NodeRequestSender sender(**node);
    usage::SipUsageClient client(sender, verifiers, usage::UsageConfig{overlay});
    Session session(&l.loop, client, wrap(std::move(*registrant)), cert->user(), clock);
    auto start_op = [&] {
      if (op_started || (*node)->state() != peer::PeerState::kJoined) return;
      op_started = true;
      op(session, finish);
    };
    (*node)->on_change(start_op);
    if (auto started = (*node)->start(); !started) {
      return unexpected(setup_error({Error::Kind::kRuntime, "", started.error()}));
    }
    uv::Timer timer(&l.loop);
    timer.start(static_cast<std::uint64_t>(left.count()), 0, [&] { finish(-2); });
    start_op();
    if (exit_code < 0) uv_run(&l.loop, UV_RUN_DEFAULT);
  }
  if (exit_code == -2) {
    return unexpected(ClientError{op_started ? ClientError::Kind::kAnswerTimeout
                                             : ClientError::Kind::kConnectTimeout,
                                  {}});
  }
  return exit_code;
}

}  // namespace p2psip::overlay
