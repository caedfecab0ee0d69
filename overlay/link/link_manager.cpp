#include "overlay/link/link_manager.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "overlay/link/uv_util.h"
#include "overlay/security/keylog.h"

namespace p2psip::link {

namespace {

// Connections waiting in the kernel for accept: a flood of connects must not make the SYN of a
// peer wait for a retransmission (1 s, 3 s, ...) while the loop is busy refusing others.
constexpr int kListenBacklog = 1024;

bool is_unspecified(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&a)->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  const auto& in6 = reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr;
  return std::memcmp(&in6, &in6addr_any, sizeof in6) == 0;
}

bool is_loopback(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in*>(&a)->sin_addr.s_addr) >> 24) == 127;
  }
  const auto& in6 = reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr;
  return std::memcmp(&in6, &in6addr_loopback, sizeof in6) == 0;
}

// Outgoing links leave from the listen address, except from loopback to another host (a
// node listening on loopback could not reach it from there).
bool bind_source(const std::optional<sockaddr_storage>& source, const sockaddr_storage& to) {
  return source && source->ss_family == to.ss_family && (!is_loopback(*source) || is_loopback(to));
}

void set_port(sockaddr_storage& a, std::uint16_t port) {
  if (a.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&a)->sin_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in6*>(&a)->sin6_port = htons(port);
  }
}

}  // namespace

void on_new_connection(uv_stream_t* server, int status) {
  auto* manager = static_cast<LinkManager*>(server->data);
  if (manager == nullptr || status < 0) return;
  manager->accept(server);
}

LinkManager::LinkManager(uv_loop_t* loop, security::SslCtxPtr ctx, LinkConfig config,
                         LinkObserver& observer)
    : loop_(loop),
      ctx_(std::move(ctx)),
      config_(std::move(config)),
      observer_(observer),
      timer_(loop),
      budget_(AdmissionLimits{config_.max_links, config_.max_handshakes,
                              config_.max_handshakes_per_source}),
      read_buffer_(std::make_unique<std::array<char, 64 * 1024>>()) {
  auto period = static_cast<std::uint64_t>(std::max<std::int64_t>(1, config_.tick_interval.count()));
  timer_.start(period, period, [this] { tick(); });
  timer_.unref();  // the timer alone does not keep the loop running
  // The key log: the context's ($SSLKEYLOGFILE when it was made) unless the config names one.
  if (!config_.keylog_file.empty()) security::set_keylog_file(ctx_.get(), config_.keylog_file);
}

Expected<std::unique_ptr<LinkManager>, std::string> LinkManager::create(
    uv_loop_t* loop, LinkConfig config, LinkObserver& observer,
    const security::Certificate& cert, const security::PrivateKey& key,
    std::span<const security::RootCertificate> roots) {
  auto ctx = security::make_tls_context(cert, key, roots);
  if (!ctx) return unexpected(ctx.error());
  return std::make_unique<LinkManager>(loop, std::move(ctx).value(), std::move(config), observer);
}

void LinkManager::set_tls_context(security::SslCtxPtr ctx) {
  ctx_ = std::move(ctx);
  if (!config_.keylog_file.empty()) security::set_keylog_file(ctx_.get(), config_.keylog_file);
}

LinkManager::~LinkManager() {
  for (auto& [id, connection] : links_) connection->abandon();
  links_.clear();
  for (uv_tcp_t* listener : listeners_) uv::close_and_delete(listener);
}

uv_buf_t LinkManager::read_buffer() {
  return uv_buf_init(read_buffer_->data(), static_cast<unsigned>(read_buffer_->size()));
}

Expected<std::uint16_t, std::string> LinkManager::listen(std::string_view ip,
                                                         std::uint16_t port) {
  auto addr = make_sockaddr(ip, port);
  if (!addr) return unexpected("not an IP address: " + std::string(ip));
  auto* tcp = new uv_tcp_t{};
  uv_tcp_init(loop_, tcp);
  tcp->data = this;
  int rc = uv_tcp_bind(tcp, reinterpret_cast<const sockaddr*>(&*addr), 0);
  if (rc == 0) rc = uv_listen(uv::as_stream(tcp), kListenBacklog, on_new_connection);
  sockaddr_storage bound{};
  int len = sizeof bound;
  if (rc == 0) rc = uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&bound), &len);
  if (rc < 0) {
    uv::close_and_delete(tcp);
    return unexpected("cannot listen on " + std::string(ip) + ":" + std::to_string(port) +
                      ": " + uv_message(rc));
  }
  listeners_.push_back(tcp);
  if (!source_ && !is_unspecified(*addr)) {
    source_ = addr;
    set_port(*source_, 0);
  }
  return to_ip_address_port(bound).port;
}

void LinkManager::accept(uv_stream_t* server) {
  auto* tcp = new uv_tcp_t{};
  uv_tcp_init(loop_, tcp);
  if (uv_accept(server, uv::as_stream(tcp)) < 0) {
    uv::close_and_delete(tcp);
    return;
  }
  sockaddr_storage addr{};
  int len = sizeof addr;
  LinkId id = next_id();
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&addr), &len) < 0 ||
      !admit(to_ip_address_port(addr), id)) {
    uv::close_and_delete(tcp);
    return;
  }
  uv_tcp_nodelay(tcp, 1);
  auto& connection = links_[id];
  connection = std::make_unique<Connection>(host(), id, tcp, false, std::nullopt);
  connection->start_accepted(to_ip_address_port(addr));  // may fail and schedule its removal
}

// Refused connections are closed before a TLS byte is read; an evicted handshake is closed
// at once (no callback: it never came up).
bool LinkManager::admit(const wire::IpAddressPort& remote, LinkId id) {
  SourceKey source = source_key(remote);
  Admission admission = budget_.decide(source, verified_);
  if (!admission.admitted()) {
    counters_.count(admission.verdict == AdmissionVerdict::kRefuseLinksFull
                        ? LinkError::kTooManyLinks
                        : LinkError::kHandshakesPerSource);
    return false;
  }
  if (admission.evict) {
    budget_.remove(*admission.evict);
    Connection* victim = find(*admission.evict);
    if (victim != nullptr && victim->state() == Connection::State::kHandshaking) {
      counters_.count(LinkError::kHandshakeEvicted);
      victim->close();
    }
  }
  budget_.add(id, source, monotonic_now());
  return true;
}

bool LinkManager::may_come_up(LinkId id, bool outgoing) {
  // Outgoing links are the core's own choice; only incoming ones count against the limit.
  bool ok = budget_.may_verify(id, verified_) || outgoing;
  if (ok) ++verified_;
  return ok;
}

Expected<LinkId, std::string> LinkManager::connect(std::string_view ip, std::uint16_t port,
                                                   std::optional<wire::NodeId> expected) {
  auto addr = make_sockaddr(ip, port);
  if (!addr) return unexpected("not an IP address: " + std::string(ip));
  auto* tcp = new uv_tcp_t{};
  bool from_source = bind_source(source_, *addr);
  // With a source address the socket must exist before bind: the port is then left to
  // connect() (IP_BIND_ADDRESS_NO_PORT). A bind(ip, 0) would take the port from the pool that
  // bind(0) uses for listeners, and could take one a listener is about to use.
  uv_tcp_init_ex(loop_, tcp, from_source ? source_->ss_family : AF_UNSPEC);
  uv_tcp_nodelay(tcp, 1);
  LinkId id = next_id();
  auto connection = std::make_unique<Connection>(host(), id, tcp, true, expected);
  int rc = 0;
  if (from_source) {
    uv_os_fd_t fd;
    int one = 1;
    if (uv_fileno(uv::as_handle(tcp), &fd) == 0) {
      setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    }
    rc = uv_tcp_bind(tcp, reinterpret_cast<const sockaddr*>(&*source_), 0);
  }
  if (rc == 0) rc = connection->connect(*addr);
  if (rc < 0) return unexpected("cannot connect: " + uv_message(rc));  // abandons the handle
  links_.emplace(id, std::move(connection));
  return id;
}

Connection* LinkManager::find(LinkId link) const {
  auto it = links_.find(link);
  return it == links_.end() ? nullptr : it->second.get();
}

Expected<void, SendError> LinkManager::send(LinkId link, ByteView message) {
  Connection* connection = find(link);
  if (connection == nullptr) return unexpected(SendError::kUnknownLink);
  auto sent = connection->send(message);
  if (!sent) ++counters_.send_refused;
  return sent;
}

void LinkManager::close(LinkId link) {
  if (Connection* connection = find(link)) connection->close();
}

std::optional<LinkInfo> LinkManager::info(LinkId link) const {
  Connection* connection = find(link);
  if (connection == nullptr) return std::nullopt;
  return connection->info();
}

std::vector<LinkId> LinkManager::links() const {
  std::vector<LinkId> out;
  for (const auto& [id, connection] : links_) {
    if (connection->state() != Connection::State::kClosed) out.push_back(id);
  }
  return out;
}

void LinkManager::connection_closed(LinkId id) {
  budget_.remove(id);
  auto it = links_.find(id);
  if (it == links_.end()) return;
  if (it->second->was_up() && verified_ > 0) --verified_;
  links_.erase(it);
}

void LinkManager::tick() {
  // Callbacks may open or close links: walk a snapshot of the ids.
  std::vector<LinkId> ids;
  ids.reserve(links_.size());
  for (const auto& [id, connection] : links_) ids.push_back(id);
  Micros now = monotonic_now();
  for (LinkId id : ids) {
    if (Connection* connection = find(id)) connection->tick(now);
  }
}

}  // namespace p2psip::link
