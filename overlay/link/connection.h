#pragma once
// One overlay link (internal to LinkManager): a uv_tcp_t, a TLS session over memory BIOs,
// the framing header with acks, RTT and failure detection.
//
// Lifetime: the LinkManager owns the Connection; the uv_tcp_t is on the heap and freed in
// its close callback, which also tells the host to drop the Connection. When the host goes
// away first it calls abandon(): the handle is detached (data = nullptr) and closed, and
// every late libuv callback (write, connect, shutdown, close) only frees its own memory.

#include <uv.h>

#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "overlay/link/link_types.h"
#include "overlay/link/reliability.h"
#include "overlay/link/tls_session.h"
#include "overlay/wire/framing.h"

namespace p2psip::link {

// What a Connection needs from its manager.
class ConnectionHost {
 public:
  virtual uv_loop_t* loop() = 0;
  virtual SSL_CTX* ssl_ctx() = 0;
  virtual const LinkConfig& config() const = 0;
  virtual LinkObserver& observer() = 0;
  virtual LinkCounters& link_counters() = 0;
  virtual uv_buf_t read_buffer() = 0;
  // An incoming connection sent a whole ClientHello (we answered it).
  virtual void handshake_progress(LinkId id) = 0;
  // The handshake completed and the certificate passed: may the link come up? False refuses
  // it (too many verified links).
  virtual bool may_come_up(LinkId id, bool outgoing) = 0;
  // The handle is closed: the host destroys the Connection now.
  virtual void connection_closed(LinkId id) = 0;

 protected:
  ~ConnectionHost() = default;
};

class Connection {
 public:
  enum class State { kConnecting, kHandshaking, kUp, kClosing, kClosed };

  // Takes ownership of `tcp` (initialised on host.loop(); accepted or about to connect).
  Connection(ConnectionHost& host, LinkId id, uv_tcp_t* tcp, bool outgoing,
             std::optional<wire::NodeId> expected);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Outgoing: starts the TCP connect. An error means nothing was started.
  int connect(const sockaddr_storage& addr);
  // Incoming (from `remote`): starts the TLS server side at once.
  void start_accepted(const wire::IpAddressPort& remote);

  Expected<void, SendError> send(ByteView message);
  void close();  // graceful: close_notify, flush, then close the socket; no callback
  void abandon();  // the host is going away: detach and close, no callbacks at all
  void tick(Micros now);

  LinkId id() const { return id_; }
  State state() const { return state_; }
  bool was_up() const { return was_up_; }
  LinkInfo info() const;

  // libuv entry points (called by the trampolines in connection.cpp).
  uv_buf_t read_buffer();
  void on_connected(int status);
  void on_read(ssize_t nread, const uv_buf_t* buf);
  void on_write_done(int status);
  void on_handle_closed();

 private:
  void start_tls(TlsRole role);
  void handshake_step();
  void on_handshake_done();
  Expected<void, std::pair<LinkError, std::string>> check_peer();
  void receive_plaintext();
  bool handle_frame(wire::Frame& frame);  // false once the link is no longer up
  void track_partial_frame(bool completed_some);
  void queue_frame(const wire::Frame& frame);
  void queue_data(ByteView message);
  bool flush();               // false when a write failed
  int write_raw(Bytes bytes);  // a libuv error code
  std::size_t queued_bytes() const;
  void fail(LinkError reason, const std::string& detail);
  void hard_close();
  bool notify_down() const { return outgoing_ || was_up_; }

  ConnectionHost& host_;
  LinkId id_;
  uv_tcp_t* tcp_;
  bool outgoing_;
  std::optional<wire::NodeId> expected_;
  State state_;
  bool was_up_ = false;
  bool deferred_failure_ = false;  // a write failed inside send(); failed on the next tick
  std::optional<TlsSession> tls_;
  wire::Deframer deframer_;
  ReceiveWindow window_;
  SendTracker tracker_;
  RttEstimator rtt_;
  PeerInfo peer_;
  Bytes plain_out_;                // frames waiting for flush()
  std::deque<Bytes> before_up_;    // messages sent before the handshake finished
  std::size_t before_up_bytes_ = 0;
  Micros deadline_{0};             // handshake or close-linger deadline
  Micros last_received_{0};
  Micros last_sent_{0};
  bool probe_requested_ = false;   // on_link_idle called; reset by anything received
  FrameDeadline frame_deadline_;
  bool progress_reported_ = false;
  std::uint64_t frames_sent_ = 0;
  std::uint64_t frames_received_ = 0;
  std::uint64_t acks_received_ = 0;
};

}  // namespace p2psip::link
