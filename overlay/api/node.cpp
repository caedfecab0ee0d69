#include <algorithm>

#include "overlay/api/convert.h"
#include "overlay/api/credentials.h"
#include "overlay/api/node_impl.h"

namespace p2psip::overlay {

namespace {

Failure bad_input(std::string text) {
  usage::UsageError e;
  e.kind = usage::UsageError::Kind::kBadInput;
  e.text = std::move(text);
  return to_failure(e);
}

// The peer::Node configuration of a public NodeConfig; a bootstrap name is refused (overlay.h).
Expected<peer::NodeConfig, Error> node_config(const NodeConfig& c) {
  peer::NodeConfig nc;
  nc.overlay = c.overlay;
  nc.listen_ip = c.listen_ip;
  nc.listen_port = c.listen_port;
  nc.advertise_ip = c.advertise_ip;
  for (const Endpoint& b : c.bootstrap) {
    auto a = literal_endpoint(b);
    if (!a) return unexpected(Error{Error::Kind::kConfig, "bootstrap", a.error()});
    nc.bootstrap.push_back(*a);
  }
  if (c.tuning.neighbors) nc.peer.neighbors = *c.tuning.neighbors;
  if (c.tuning.update_interval) nc.peer.update_interval = *c.tuning.update_interval;
  if (c.tuning.join_timeout) nc.peer.join_timeout = *c.tuning.join_timeout;
  if (c.tuning.replicas) nc.storage.replicas = *c.tuning.replicas;
  nc.verify_on_worker = c.verify_on_worker;
  return nc;
}

}  // namespace

peer::Node::Logger node_logger(LogFn log) {
  if (!log) return {};
  return [log = std::move(log)](int level, const std::string& line) {
    log(static_cast<LogLevel>(std::clamp(level, 0, 3)), line);
  };
}

Node::Impl::Impl(uv_loop_t* l, const Clock& c, LogFn fn)
    : loop(l), clock(c), log_fn(std::move(fn)), deferred(l) {}

Node::Impl::~Impl() {
  certificates.reset();
  registrations.reset();
  usage.reset();
  sender.reset();
  node.reset();
}

void Node::Impl::changed() {
  auto st = node->snapshot().status;
  std::vector<wire::NodeId> neighbors = st.predecessors;
  neighbors.insert(neighbors.end(), st.successors.begin(), st.successors.end());
  bool ring = neighbors != last_neighbors;
  last_neighbors = std::move(neighbors);
  registrations->node_changed(ring);
  certificates->node_changed(ring);
  if (on_change && !change_posted) {
    change_posted = true;
    deferred.post([this] {
      change_posted = false;
      if (on_change) on_change();
    });
  }
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;

Expected<std::unique_ptr<Node>, Error> Node::create(uv_loop_t* loop, NodeConfig config,
                                                    const Clock& clock, LogFn log) {
  auto nc = node_config(config);
  if (!nc) return unexpected(nc.error());
  auto credentials = load_credentials(config.overlay, config.credentials);
  if (!credentials) return unexpected(credentials.error());
  auto impl = std::make_unique<Impl>(loop, clock, std::move(log));
  auto configuration = ConfigurationKeeper::load(loop, config, clock, impl->log_fn);
  if (!configuration) return unexpected(configuration.error());
  if (*configuration) {
    // §11.1 max-message-size: the overlay's limit on every message (and a ConfigUpdate must
    // carry the document itself).
    std::size_t max = std::clamp<std::size_t>((*configuration)->current().max_message_size, 1024, 1 << 20);
    nc->peer.max_message_size = max;
    nc->link.max_message_size = max;
    // RFC 6940 §11.1: a certificate a bad-node entry lists "MUST NOT be considered valid".
    const auto bad = bad_node_ids((*configuration)->current());
    for (const auto& id : credentials->cert.node_ids()) {
      if (std::find(bad.begin(), bad.end(), id) == bad.end()) continue;
      return unexpected(Error{Error::Kind::kConfig, "cert",
                              "'" + config.credentials.cert + "': its Node-ID " + security::node_id_hex(id) +
                                  " is listed as bad-node in configuration sequence " +
                                  std::to_string((*configuration)->sequence()) + " ('" +
                                  config.configuration.document + "'): the certificate is revoked; enroll again"});
    }
    impl->configuration = std::move(*configuration);
  }
  auto registrant = make_registrant(*credentials);
  if (!registrant) {
    return unexpected(Error{Error::Kind::kRuntime, "", "overlay credentials: " + registrant.error()});
  }
  auto publisher_signer = registrant->signer;
  auto own_certificate = registrant->certificates.front();
  auto placements = usage::certificate_placements(credentials->cert);
  impl->own = wrap(std::move(*registrant));
  impl->node_id = impl->own.node_id();
  impl->user = credentials->cert.user();
  impl->overlay = config.overlay;
  auto roots = copy_roots(credentials->roots);
  auto node = peer::Node::create(loop, std::move(*nc), std::move(*credentials), clock,
                                 node_logger(impl->log_fn));
  if (!node) return unexpected(Error{Error::Kind::kRuntime, "", "overlay node: " + node.error()});
  impl->node = std::move(*node);
  // Lookups refuse values a bad-node certificate signed (the usage client dies before the node).
  auto chains = chain_verifiers(std::move(roots), config.overlay, clock, &impl->node->bad_nodes());
  auto verifiers = std::move(chains.lookup);
  // Issue 18: a FetchAns's certificate chains and value signatures are checked on the verify
  // worker as soon as its message signature holds, so the lookup on the loop (the SIP thread)
  // finds them in the memos. `clock` is read there too: the embedder's Clock must be safe to
  // read from another thread (overlay.h).
  impl->node->set_after_verified(prewarm_fetch_answers(std::move(chains.prewarm)));
  if (impl->configuration) impl->configuration->attach(*impl->node);
  Impl* raw = impl.get();
  impl->sender = std::make_unique<NodeRequestSender>(*impl->node);
  impl->usage = std::make_unique<usage::SipUsageClient>(*impl->sender, std::move(verifiers),
                                                        usage::UsageConfig{config.overlay});
  impl->registrations = std::make_unique<RegistrationService>(
      loop, *impl->usage, clock, [raw] { return raw->joined(); }, impl->log_fn);
  impl->certificates = std::make_unique<CertificateService>(
      loop,
      std::make_unique<usage::CertificatePublisher>(*impl->sender, std::move(publisher_signer),
                                                    std::move(own_certificate),
                                                    std::move(placements)),
      clock, [raw] { return raw->joined(); }, impl->log_fn);
  impl->node->on_change([raw] { raw->changed(); });
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Expected<void, Error> Node::start() {
  if (auto started = impl_->node->start(); !started) {
    return unexpected(Error{Error::Kind::kRuntime, "", started.error()});
  }
  return {};
}

void Node::leave(Millis budget, std::function<void()> done) {
  Impl& i = *impl_;
  i.log(LogLevel::kInfo, "leaving the overlay (at most " + std::to_string(budget.count()) + " ms)");
  auto t0 = i.clock.monotonic();
  auto finish = i.deferred.later(std::move(done));
  i.registrations->shutdown(budget / 2, [&i, t0, budget, finish]() {
    Millis left = std::max(Millis{500}, budget - (i.clock.monotonic() - t0));
    i.node->leave(left, [finish](bool) { finish(); });
  });
}

Expected<void, Error> Node::renew_credentials(const CredentialFiles& files) {
  Impl& i = *impl_;
  auto c = load_renewed(i.overlay, files);
  if (!c) return unexpected(c.error());
  auto renewed = make_registrant(*c);
  if (!renewed) return unexpected(Error{Error::Kind::kConfig, "cert", renewed.error()});
  if (auto ok = i.node->renew_credentials(std::move(*c)); !ok) {
    return unexpected(Error{Error::Kind::kConfig, "cert", "'" + files.cert + "': " + ok.error()});
  }
  const storage::DataSigner* old_signer = i.own.impl()->registrant.signer.get();
  std::size_t kept = i.registrations->resign(old_signer, *renewed);
  i.certificates->renewed(renewed->signer, renewed->certificates.front());
  i.own = wrap(std::move(*renewed));
  i.log(LogLevel::kInfo, "renewed certificate '" + files.cert + "' in use (Node-ID " + i.node_id +
                             "); " + std::to_string(kept) +
                             " kept registration(s) and the certificate kinds stored again");
  return {};
}

const std::string& Node::node_id() const { return impl_->node_id; }
const std::string& Node::user() const { return impl_->user; }
const std::string& Node::overlay_name() const { return impl_->overlay; }
const Registrant& Node::registrant() const { return impl_->own; }
State Node::state() const { return to_state(impl_->node->state()); }
void Node::on_change(std::function<void()> cb) { impl_->on_change = std::move(cb); }
bool Node::linked_to(std::string_view ip) const { return impl_->node->linked_to(ip); }
std::vector<std::string> Node::linked_ips() const { return impl_->node->linked_ips(); }

Snapshot Node::snapshot() const {
  return to_snapshot(impl_->node->snapshot(), impl_->registrations->counts(),
                     impl_->pending_lookups);
}

void Node::store(const Registrant& who, std::string_view aor, const Contact& value,
                 std::uint32_t lifetime_s, StoreDone done) {
  auto finish = impl_->deferred.later(std::move(done));
  if (!who.valid()) return finish(unexpected(bad_input("no registrant")));
  const usage::Registrant& r = who.impl()->registrant;
  auto wire_value = to_wire(value, r.node);
  if (!wire_value) return finish(unexpected(bad_input("a route entry is not a Node-ID")));
  impl_->usage->store(r, aor, *wire_value, lifetime_s, impl_->clock.wall_ms(),
                      store_done(std::move(finish)));
}

void Node::remove(const Registrant& who, std::string_view aor, std::uint32_t lifetime_s,
                  StoreDone done) {
  auto finish = impl_->deferred.later(std::move(done));
  if (!who.valid()) return finish(unexpected(bad_input("no registrant")));
  impl_->usage->remove(who.impl()->registrant, aor, lifetime_s, impl_->clock.wall_ms(),
                       store_done(std::move(finish)));
}

void Node::lookup(std::string_view aor, LookupDone done) {
  Impl& i = *impl_;
  auto finish = i.deferred.later(std::move(done));
  ++i.pending_lookups;
  auto deliver = lookup_done(std::move(finish));
  i.usage->lookup(aor, [&i, deliver](Expected<usage::Resolution, usage::UsageError> r) {
    --i.pending_lookups;
    deliver(std::move(r));
  });
}

bool Node::keep(std::string_view aor, Contact value, std::uint32_t lifetime_s, Registrant who) {
  if (!who.valid()) return false;
  const usage::Registrant& r = who.impl()->registrant;
  auto wire_value = to_wire(value, r.node);
  return wire_value && impl_->registrations->add(aor, *wire_value, lifetime_s, r);
}

void Node::forget(std::string_view aor) { impl_->registrations->remove(aor); }

void Node::on_stored(std::function<void(const std::string& aor)> cb) {
  impl_->registrations->on_stored(
      impl_->deferred.later(std::function<void(std::string)>(
          [cb = std::move(cb)](std::string aor) { if (cb) cb(aor); })));
}

}  // namespace p2psip::overlay
