#pragma once
// The overlay link layer of one peer: TLS-TCP-FH-NO-ICE links (RFC 6940 §6.6.5, link type 4)
// on a libuv loop. TLS 1.2+ with mutual certificate authentication against the overlay
// root(s) runs over OpenSSL memory BIOs; each RELOAD message travels as one data frame of
// the framing header and is acknowledged by the receiver; acks give the RTT (RFC 6298) and
// the failure detection (unacked data, idle link).
//
// Everything happens on the loop thread: the methods must be called there and every
// LinkObserver callback runs there. Destroying the manager closes every link and listener
// without further callbacks; libuv memory is freed in the close callbacks, so the loop
// must run a little longer (or be closed with uv_run) before uv_loop_close.
//
// A driver wires it to the sans-IO peer core like this: the core's "send message to link"
// output becomes send(); on_message feeds the core with (link, bytes, now); on_link_up /
// on_link_down become the core's link events (Node-IDs from the certificate as the verified
// neighbour identity); the core's "connect to address (expecting Node-ID)" becomes connect().

#include <uv.h>

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/expected.h"
#include "common/uv_handle.h"
#include "overlay/link/admission.h"
#include "overlay/link/connection.h"
#include "overlay/link/link_types.h"
#include "overlay/security/certificate.h"
#include "overlay/security/keys.h"
#include "overlay/security/tls_context.h"

namespace p2psip::link {

class LinkManager final : private ConnectionHost {
 public:
  // `ctx` as made by security::make_tls_context (mutual auth, overlay roots, key log).
  LinkManager(uv_loop_t* loop, security::SslCtxPtr ctx, LinkConfig config,
              LinkObserver& observer);
  // Builds the TLS context from our credentials and the overlay roots.
  static Expected<std::unique_ptr<LinkManager>, std::string> create(
      uv_loop_t* loop, LinkConfig config, LinkObserver& observer,
      const security::Certificate& cert, const security::PrivateKey& key,
      std::span<const security::RootCertificate> roots);
  ~LinkManager();
  LinkManager(const LinkManager&) = delete;
  LinkManager& operator=(const LinkManager&) = delete;

  // Accepts links on ip:port (port 0: any free port). Returns the bound port. A specific
  // address (not 0.0.0.0 or ::) also becomes the source address of outgoing links, so that
  // other peers see this peer's links come from the address it listens on (a loopback one
  // only towards loopback destinations).
  Expected<std::uint16_t, std::string> listen(std::string_view ip, std::uint16_t port);
  // Opens a link. With `expected`, the peer's certificate must carry that Node-ID. Errors
  // here mean nothing was started; later failures arrive as on_link_down.
  Expected<LinkId, std::string> connect(std::string_view ip, std::uint16_t port,
                                        std::optional<wire::NodeId> expected = std::nullopt);
  // Sends one RELOAD message as a data frame. Before the handshake completes the message
  // waits in the link's queue.
  Expected<void, SendError> send(LinkId link, ByteView message);
  // Closes a link gracefully (close_notify, then the socket). No on_link_down follows.
  void close(LinkId link);

  std::optional<LinkInfo> info(LinkId link) const;
  std::vector<LinkId> links() const;  // every link not yet closed
  const LinkCounters& counters() const { return counters_; }
  std::size_t handshakes() const { return budget_.size(); }  // incoming, in progress
  std::size_t verified_links() const { return verified_; }
  const LinkConfig& config() const override { return config_; }
  // Links made from now on use `ctx` (a renewed certificate); links up or in their handshake
  // keep the context they started with (each SSL holds a reference to it).
  void set_tls_context(security::SslCtxPtr ctx);

 private:
  // ConnectionHost
  uv_loop_t* loop() override { return loop_; }
  SSL_CTX* ssl_ctx() override { return ctx_.get(); }
  LinkObserver& observer() override { return observer_; }
  LinkCounters& link_counters() override { return counters_; }
  uv_buf_t read_buffer() override;
  void connection_closed(LinkId id) override;
  void handshake_progress(LinkId id) override { budget_.progressed(id); }
  bool may_come_up(LinkId id, bool outgoing) override;

  friend void on_new_connection(uv_stream_t* server, int status);
  void accept(uv_stream_t* server);
  bool admit(const wire::IpAddressPort& remote, LinkId id);
  void tick();
  LinkId next_id() { return LinkId{++last_id_}; }
  ConnectionHost& host() { return *this; }
  Connection* find(LinkId link) const;

  uv_loop_t* loop_;
  security::SslCtxPtr ctx_;
  LinkConfig config_;
  LinkObserver& observer_;
  LinkCounters counters_;
  std::vector<uv_tcp_t*> listeners_;
  uv::Timer timer_;  // the tick (timeouts, keepalives)
  std::unordered_map<LinkId, std::unique_ptr<Connection>, LinkIdHash> links_;
  std::uint64_t last_id_ = 0;
  HandshakeBudget budget_;
  std::size_t verified_ = 0;  // links that came up and are not closed yet
  std::optional<sockaddr_storage> source_;  // bound before connecting (see listen())
  std::unique_ptr<std::array<char, 64 * 1024>> read_buffer_;
};

}  // namespace p2psip::link
