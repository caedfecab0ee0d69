#include "overlay/peer/node.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "overlay/security/renewal.h"
#include "overlay/security/tls_context.h"
#include "overlay/storage/cert_verifier.h"
#include "overlay/wire/overlay_hash.h"

namespace p2psip::peer {

std::optional<wire::IpAddressPort> make_address(std::string_view ip, std::uint16_t port) {
  std::string text(ip);
  wire::IpAddressPort a;
  a.port = port;
  if (inet_pton(AF_INET, text.c_str(), a.addr.data()) == 1) {
    a.type = wire::AddressType::kIpv4;
    return a;
  }
  if (inet_pton(AF_INET6, text.c_str(), a.addr.data()) == 1) {
    a.type = wire::AddressType::kIpv6;
    return a;
  }
  return std::nullopt;
}

std::string address_ip(const wire::IpAddressPort& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  int family = a.type == wire::AddressType::kIpv6 ? AF_INET6 : AF_INET;
  if (inet_ntop(family, a.addr.data(), buf, sizeof buf) == nullptr) return {};
  return buf;
}

Expected<std::unique_ptr<Node>, std::string> Node::create(uv_loop_t* loop, NodeConfig config,
                                                          NodeCredentials credentials,
                                                          const Clock& clock, Logger log) {
  const security::Certificate& cert = credentials.cert;
  if (cert.node_ids().empty()) return unexpected(std::string("the certificate has no Node-ID"));
  if (!security::iequals(cert.overlay(), config.overlay)) {
    return unexpected("the certificate is for overlay '" + cert.overlay() + "', not '" +
                      config.overlay + "'");
  }
  if (credentials.roots.empty()) return unexpected(std::string("no overlay root certificate"));
  auto chain = cert.verify_chain(credentials.roots, std::chrono::floor<std::chrono::seconds>(
                                                        std::chrono::system_clock::now()));
  if (!chain) return unexpected("the node certificate does not chain to the root: " + chain.error());
  auto ctx = security::make_tls_context(cert, credentials.key, credentials.roots);
  if (!ctx) return unexpected(ctx.error());
  std::unique_ptr<Node> node(
      new Node(loop, std::move(config), std::move(credentials), clock, std::move(log)));
  node->init_links(std::move(ctx).value());
  return node;
}

Node::Node(uv_loop_t* loop, NodeConfig config, NodeCredentials credentials, const Clock& clock,
           Logger log)
    : loop_(loop),
      config_(std::move(config)),
      clock_(clock),
      log_(std::move(log)),
      roots_(credentials.roots),
      known_(std::make_shared<storage::KnownCertificates>(credentials.roots, config_.overlay)),
      signer_(credentials.cert, std::move(credentials.key), std::move(credentials.roots), clock,
              known_) {
  known_->pin(credentials.cert);
  node_id_ = signer_.node_id();
  signer_.set_bad_nodes(&bad_nodes_);
}

Expected<void, std::string> Node::renew_credentials(NodeCredentials c) {
  auto wall = std::chrono::sys_seconds{std::chrono::seconds{clock_.wall_ms() / 1000}};
  if (auto ok = security::check_renewal(signer_.certificate(), c.cert, roots_, wall); !ok) {
    return unexpected(ok.error());
  }
  auto ctx = security::make_tls_context(c.cert, c.key, roots_);
  if (!ctx) return unexpected(ctx.error());
  links_->set_tls_context(std::move(ctx).value());
  signer_.replace(std::move(c.cert), std::move(c.key));
  log(kInfo, "overlay node " + node_id_.hex() +
                 ": renewed certificate in use for new links and signatures (links up keep theirs)");
  return {};
}

void Node::init_links(security::SslCtxPtr ctx) {
  config_.link.overlay = config_.overlay;
  link::LinkObserver& observer = *this;
  links_ = std::make_unique<link::LinkManager>(loop_, std::move(ctx), config_.link, observer);
}

Node::~Node() {
  timer_.reset();
  leave_timer_.reset();
  bad_link_timer_.reset();
  links_.reset();  // closes every link without callbacks
}

Expected<void, std::string> Node::start() {
  if (core_) return unexpected(std::string("already started"));
  auto port = links_->listen(config_.listen_ip, config_.listen_port);
  if (!port) return unexpected("overlay listen on " + config_.listen_ip + ": " + port.error());
  listen_port_ = *port;
  std::string ip = config_.advertise_ip.empty() ? config_.listen_ip : config_.advertise_ip;
  if (ip == "0.0.0.0") ip = "127.0.0.1";
  if (ip == "::") ip = "::1";
  auto listen = make_address(ip, listen_port_);
  if (!listen) return unexpected("not an IP address: " + ip);

  PeerConfig pc = config_.peer;
  pc.node_id = node_id_;
  pc.overlay = wire::overlay_hash(config_.overlay);
  pc.listen = *listen;
  pc.bootstrap = config_.bootstrap;
  pc.wall_clock_offset_ms = clock_.wall_ms() - static_cast<std::uint64_t>(now().count());
  std::random_device rd;
  pc.seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  if (!pc.client) make_store();
  pc.deferred_verification = config_.verify_on_worker;  // verifier_'s thread verifies
  pc.share_answers = config_.verify_on_worker && after_verified_ != nullptr;
  core_ = std::make_unique<PeerCore>(std::move(pc), signer_, store_.get());
  if (config_.verify_on_worker) {
    verifier_ = std::make_unique<VerifyWorker>(
        loop_, [this](std::uint64_t id, std::optional<NodeId> signer) {
          core_->on_verified(now(), id, signer);
          after_input();
        },
        after_verified_);
  }
  core_->set_configuration(config_sequence_, config_document_);
  core_->set_configuration_handler(config_handler_);

  timer_ = std::make_unique<uv::Timer>(loop_);
  log(kInfo, "overlay node " + node_id_.hex() + " listening on " + ip + ":" +
                 std::to_string(listen_port_) +
                 (config_.bootstrap.empty() ? ", starting a new overlay"
                                            : ", joining through " +
                                                  std::to_string(config_.bootstrap.size()) +
                                                  " bootstrap peer(s)"));
  core_->start(now());
  after_input();
  return {};
}

void Node::leave(Millis max_wait, std::function<void(bool)> done) {
  PeerState s = state();
  if (!core_ || s == PeerState::kIdle || s == PeerState::kLeft || leave_done_) {
    if (done) done(s == PeerState::kLeft || !core_);
    return;
  }
  leave_done_ = std::move(done);
  leave_timer_ = std::make_unique<uv::Timer>(loop_);
  leave_timer_->start(static_cast<std::uint64_t>(std::max<std::int64_t>(0, max_wait.count())), 0,
                      [this] { finish_leave(false); });
  core_->leave(now());
  after_input();
}

void Node::finish_leave(bool clean) {
  leave_timer_.reset();  // may be the one running this: uv::Timer allows that
  if (!leave_done_) return;
  auto done = std::move(leave_done_);
  leave_done_ = nullptr;
  log(clean ? kInfo : kWarn, clean ? "left the overlay cleanly"
                                   : "leave did not complete in time; closing the links");
  done(clean);
}

void Node::make_store() {
  for (const auto& k : config_.kinds) {
    if (kinds_.find(k.id)) continue;  // the configuration document's definition (set before start)
    if (!kinds_.add(k)) log(kWarn, "kind " + std::to_string(k.id) + " ignored (duplicate or inconsistent)");
  }
  auto verifiers = [this](const wire::Message& m) -> std::unique_ptr<storage::DataVerifier> {
    auto wall = std::chrono::sys_seconds{std::chrono::seconds{clock_.wall_ms() / 1000}};
    return std::make_unique<storage::CertificateVerifier>(storage::CertificateVerifier::from_block(
        m.security.certificates, roots_, wall, config_.overlay, &verified_certs_, known_.get(),
        &bad_nodes_));
  };
  store_ = std::make_unique<storage::ReplicatedStore>(kinds_, verifiers, config_.storage);
  store_->learn_certificates(known_.get());
}

std::uint64_t Node::send_request(const wire::Destination& dest, wire::MessageCode code,
                                 Bytes body, RequestCallback cb,
                                 std::vector<wire::GenericCertificate> certificates,
                                 RequestSigner signer) {
  if (!core_) return 0;
  auto id = core_->send_request(now(), dest, code, std::move(body), std::move(cb),
                                std::move(certificates), std::move(signer));
  after_input();
  return id;
}

storage::StorageStats Node::storage_stats() const {
  using namespace std::chrono;
  constexpr auto kAlwaysWalk = milliseconds(10);
  auto t0 = steady_clock::now();
  if (storage_walk_ >= kAlwaysWalk && t0 - storage_stats_at_ < 100 * storage_walk_) {
    store_->copy_results(storage_stats_);  // the request counters stay current
    return storage_stats_;
  }
  storage_stats_ = store_->stats();
  storage_stats_at_ = t0;
  storage_walk_ = steady_clock::now() - t0;
  return storage_stats_;
}

NodeSnapshot Node::snapshot() const {
  NodeSnapshot s;
  if (core_) {
    s.status = core_->status();
    s.peer = core_->counters();
  } else {
    s.status.node_id = node_id_;
  }
  s.link = links_->counters();
  s.listen_port = listen_port_;
  s.links = links_->links().size();
  if (store_) s.storage = storage_stats();
  s.configuration_sequence = config_sequence_;
  s.bad_node_refusals = bad_nodes_.refused();
  return s;
}

void Node::set_configuration(std::uint16_t sequence, Bytes document,
                             std::vector<security::NodeId> bad_nodes) {
  config_sequence_ = sequence;
  config_document_ = std::move(document);
  bad_nodes_.replace(std::move(bad_nodes));
  drop_bad_node_data();
  if (bad_nodes_.listed(to_security(node_id_))) {
    log(kError, "configuration sequence " + std::to_string(sequence) + " lists this node's Node-ID " +
                    node_id_.hex() + " as bad-node (RFC 6940 §11.1): its peers refuse it; enroll again");
  }
  if (!core_) return;
  core_->set_configuration(config_sequence_, config_document_);
  // Possibly inside a core input (a ConfigUpdate): the links are closed from the loop.
  if (!bad_link_timer_) bad_link_timer_ = std::make_unique<uv::Timer>(loop_);
  bad_link_timer_->start(0, 0, [this] {
    close_bad_links();
    after_input();
  });
}

// §11.1: data a listed certificate signed before its entry appeared is no longer valid either:
// dropped, so that no Fetch answer or replica carries it.
void Node::drop_bad_node_data() {
  if (!store_ || bad_nodes_.ids().empty()) return;
  std::size_t n = store_->drop_signed_by([this](const NodeId& id) { return bad_nodes_.listed(to_security(id)); });
  for (std::size_t i = 0; i < n; ++i) bad_nodes_.count(security::BadNodes::Refused::kData);
  if (n > 0) log(kWarn, std::to_string(n) + " stored value(s) signed by bad-node certificates dropped (configuration sequence " +
                            std::to_string(config_sequence_) + ")");
}

void Node::set_configuration_handler(ConfigurationHandler* handler) {
  config_handler_ = handler;
  if (core_) core_->set_configuration_handler(handler);
}

// §11.1: a certificate listed as bad-node "MUST NOT be considered valid": its link is closed
// before the core hears of it.
bool Node::refuse_bad_link(link::LinkId link, const link::PeerInfo& peer) {
  auto listed = std::find_if(peer.node_ids.begin(), peer.node_ids.end(),
                             [&](const NodeId& id) { return bad_nodes_.listed(to_security(id)); });
  if (listed == peer.node_ids.end()) return false;
  bad_nodes_.count(security::BadNodes::Refused::kLink);
  log(kWarn, "link " + std::to_string(link.value) + " refused: " + listed->hex() +
                 " is listed as bad-node in configuration sequence " + std::to_string(config_sequence_));
  links_->close(link);
  return true;
}

void Node::close_bad_links() {
  for (auto id : links_->links()) {
    auto info = links_->info(id);
    if (info && info->up && refuse_bad_link(id, info->peer)) link_gone(id.value);
  }
}

// A link that will not come up (an OpenLink of ours) or went down: the core hears which.
void Node::link_gone(std::uint64_t link) {
  auto it = opening_.find(link);
  if (it != opening_.end()) {
    OpenLink open = std::move(it->second);
    opening_.erase(it);
    core_->on_link_failed(now(), open);
  } else {
    core_->on_link_down(now(), link);
  }
}

bool Node::linked_to(std::string_view ip) const {
  auto wanted = make_address(ip, 0);
  if (!wanted) return false;
  for (auto id : links_->links()) {
    auto info = links_->info(id);
    if (!info || !info->up) continue;
    auto remote = info->peer.remote;
    remote.port = 0;
    if (remote == *wanted) return true;
  }
  return false;
}

std::vector<std::string> Node::linked_ips() const {
  std::vector<std::string> out;
  for (auto id : links_->links()) {
    auto info = links_->info(id);
    if (!info || !info->up) continue;
    std::string ip = address_ip(info->peer.remote);
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(std::move(ip));
  }
  return out;
}

void Node::on_link_up(link::LinkId link, const link::PeerInfo& peer) {
  if (!core_ || peer.node_ids.empty()) return;
  auto it = opening_.find(link.value);
  bool outbound = it != opening_.end();
  if (refuse_bad_link(link, peer)) {
    if (outbound) link_gone(link.value);  // an inbound one the core never heard of
    after_input();
    return;
  }
  NodeId id = peer.node_ids.front();
  if (outbound) {
    if (it->second.expected) id = *it->second.expected;
    opening_.erase(it);
  }
  log(kDebug, std::string("link ") + std::to_string(link.value) + (outbound ? " to " : " from ") +
                  id.hex() + " up");
  core_->on_link_up(now(), link.value, id, outbound);
  after_input();
}

void Node::on_message(link::LinkId link, ByteView message) {
  if (!core_) return;
  core_->on_message(now(), link.value, message);
  after_input();
}

void Node::on_link_down(link::LinkId link, link::LinkError reason, std::string_view detail) {
  bool refused = reason == link::LinkError::kBadCertificate ||
                 reason == link::LinkError::kHandshakeFailed ||
                 reason == link::LinkError::kNodeIdMismatch;
  log(refused ? kWarn : kDebug, "link " + std::to_string(link.value) + " down (" +
                                    std::string(link::to_string(reason)) + "): " +
                                    std::string(detail));
  if (!core_) return;
  link_gone(link.value);
  after_input();
}

// RFC 6940 §6.6.5: the link is judged by the ACKs of our data frames, so a silent peer gets
// a Ping (which it ACKs, and answers). It goes to the Node-ID the link proved; when the core
// routes that Node-ID over another link (a duplicate being closed), this one stays silent and
// the link layer's idle_timeout ends it.
void Node::on_link_idle(link::LinkId link) {
  if (!core_ || opening_.count(link.value) != 0) return;
  auto info = links_->info(link);
  if (!info || !info->up || info->peer.node_ids.empty()) return;
  auto body = wire::encode_to_bytes(wire::PingReq{});
  if (!body) return;
  core_->send_request(now(), wire::Destination::node(info->peer.node_ids.front()),
                      wire::MessageCode::kPingReq, std::move(*body), {});
  after_input();
}

void Node::open_link(const OpenLink& open) {
  auto r = links_->connect(address_ip(open.addr), open.addr.port, open.expected);
  if (!r) {
    log(kDebug, "connect to " + address_ip(open.addr) + ":" + std::to_string(open.addr.port) +
                    " failed: " + r.error());
    core_->on_link_failed(now(), open);
    return;
  }
  opening_[r->value] = open;
}

void Node::perform(const Action& a) {
  if (const auto* s = std::get_if<SendOnLink>(&a)) {
    auto r = links_->send(link::LinkId{s->link}, s->bytes);
    if (!r) log(kDebug, "send on link " + std::to_string(s->link) + ": " +
                            std::string(link::to_string(r.error())));
  } else if (const auto* o = std::get_if<OpenLink>(&a)) {
    open_link(*o);
  } else if (const auto* v = std::get_if<VerifySignature>(&a)) {
    if (verifier_) verifier_->submit(v->id, v->check, v->answer);
  } else if (const auto* c = std::get_if<CloseLink>(&a)) {
    opening_.erase(c->link);
    links_->close(link::LinkId{c->link});
    core_->on_link_down(now(), c->link);
  }
}

void Node::drain() {
  if (draining_) return;  // a nested input: the outer loop picks up the new actions
  draining_ = true;
  while (core_->has_actions()) {
    for (const Action& a : core_->take_actions()) perform(a);
  }
  draining_ = false;
}

void Node::on_timer() {
  core_->on_timer(now());
  after_input();
}

void Node::rearm() {
  if (!timer_) return;
  auto d = core_->next_deadline();
  if (!d) {
    timer_->stop();
    return;
  }
  auto delay = std::max<std::int64_t>(0, (*d - now()).count());
  timer_->start(static_cast<std::uint64_t>(delay), 0, [this] { on_timer(); });
}

void Node::after_input() {
  if (draining_) return;
  drain();
  rearm();
  PeerState s = core_->state();
  const chord::RoutingTable& t = core_->routing_table();
  std::vector<NodeId> neighbors = t.predecessors();
  neighbors.insert(neighbors.end(), t.successors().begin(), t.successors().end());
  bool changed = s != last_state_ || neighbors != last_neighbors_;
  if (s != last_state_) log(kInfo, std::string("overlay state: ") + to_string(s));
  last_state_ = s;
  last_neighbors_ = std::move(neighbors);
  if (changed && on_change_) on_change_();
  if (s == PeerState::kLeft && leave_done_) finish_leave(true);
}

}  // namespace p2psip::peer
