#include "overlay/link/connection.h"

#include "overlay/link/uv_util.h"
#include "overlay/security/tls_context.h"

namespace p2psip::link {

namespace {

// More unacknowledged frames than this means the peer is not acking at all.
constexpr std::size_t kMaxUnacked = 1u << 16;
// ack_sequence of a keepalive sent before any data arrived: names no frame of the peer.
constexpr std::uint32_t kNoSequence = 0xffffffff;

struct WriteReq {
  uv_write_t req{};
  Bytes data;
};

Connection* owner_of(uv_handle_t* h) { return static_cast<Connection*>(h->data); }

void on_alloc(uv_handle_t* h, std::size_t /*suggested*/, uv_buf_t* buf) {
  *buf = uv_buf_init(nullptr, 0);
  if (Connection* c = owner_of(h)) *buf = c->read_buffer();
}

void on_read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  if (Connection* c = owner_of(uv::as_handle(s))) c->on_read(nread, buf);
}

void on_write_cb(uv_write_t* req, int status) {
  Connection* c = owner_of(uv::as_handle(req->handle));
  delete static_cast<WriteReq*>(req->data);  // `req` is part of it
  if (c != nullptr) c->on_write_done(status);
}

void on_connect_cb(uv_connect_t* req, int status) {
  Connection* c = owner_of(uv::as_handle(req->handle));
  delete req;
  if (c != nullptr) c->on_connected(status);
}

void on_closed_cb(uv_handle_t* h) {
  if (Connection* c = owner_of(h)) c->on_handle_closed();  // may destroy the Connection
  delete reinterpret_cast<uv_tcp_t*>(h);
}

void on_shutdown_cb(uv_shutdown_t* req, int /*status*/) {
  uv_handle_t* h = uv::as_handle(req->handle);
  delete req;
  if (uv_is_closing(h) == 0) uv_close(h, on_closed_cb);
}

std::string wire_error_text(const wire::WireError& e) {
  return std::string("malformed frame at offset ") + std::to_string(e.offset) + ": " + e.what +
         " (" + wire::to_string(e.failure) + ")";
}

}  // namespace

Connection::Connection(ConnectionHost& host, LinkId id, uv_tcp_t* tcp, bool outgoing,
                       std::optional<wire::NodeId> expected)
    : host_(host),
      id_(id),
      tcp_(tcp),
      outgoing_(outgoing),
      expected_(expected),
      state_(outgoing ? State::kConnecting : State::kHandshaking),
      deframer_(host.config().max_message_size),
      rtt_(host.config().initial_rto, host.config().min_rto, host.config().max_rto) {
  tcp_->data = this;
  deadline_ = monotonic_now() + host_.config().handshake_timeout;
  peer_.outgoing = outgoing;
}

Connection::~Connection() {
  if (tcp_ != nullptr) abandon();
}

uv_buf_t Connection::read_buffer() { return host_.read_buffer(); }

int Connection::connect(const sockaddr_storage& addr) {
  peer_.remote = to_ip_address_port(addr);
  auto* req = new uv_connect_t{};
  int rc = uv_tcp_connect(req, tcp_, reinterpret_cast<const sockaddr*>(&addr), on_connect_cb);
  if (rc < 0) delete req;
  return rc;
}

void Connection::start_accepted(const wire::IpAddressPort& remote) {
  peer_.remote = remote;
  start_tls(TlsRole::kServer);
}

void Connection::on_connected(int status) {
  if (state_ != State::kConnecting) return;
  if (status < 0) {
    fail(LinkError::kConnectFailed, uv_message(status));
    return;
  }
  state_ = State::kHandshaking;
  start_tls(TlsRole::kClient);
}

void Connection::start_tls(TlsRole role) {
  auto session = TlsSession::create(host_.ssl_ctx(), role);
  if (!session) {
    fail(LinkError::kHandshakeFailed, session.error());
    return;
  }
  tls_.emplace(std::move(session).value());
  int rc = uv_read_start(uv::as_stream(tcp_), on_alloc, on_read_cb);
  if (rc < 0) {
    fail(LinkError::kIoError, uv_message(rc));
    return;
  }
  handshake_step();
}

void Connection::handshake_step() {
  TlsStatus status = tls_->handshake();
  // We answer only a complete, well-formed ClientHello: from then on the peer is making
  // progress (a slow-loris trickle or an idle socket is not).
  if (!outgoing_ && !progress_reported_ && tls_->has_output()) {
    progress_reported_ = true;
    host_.handshake_progress(id_);
  }
  flush();
  if (state_ != State::kHandshaking) return;
  if (!status.ok()) {
    fail(status.failure == TlsFailure::kBadCertificate ? LinkError::kBadCertificate
                                                        : LinkError::kHandshakeFailed,
         status.detail);
    return;
  }
  if (tls_->handshake_done()) on_handshake_done();
}

Expected<void, std::pair<LinkError, std::string>> Connection::check_peer() {
  auto cert = security::peer_certificate(tls_->ssl(), host_.config().overlay);
  if (!cert) return unexpected(std::pair{LinkError::kBadCertificate, cert.error()});
  peer_.node_ids.clear();
  for (const security::NodeId& id : cert->node_ids()) peer_.node_ids.emplace_back(id);
  peer_.user = cert->user();
  if (expected_ && !cert->has_node_id(expected_->bytes())) {
    return unexpected(std::pair{LinkError::kNodeIdMismatch,
                                "peer certificate does not carry Node-ID " + expected_->hex()});
  }
  return {};
}

void Connection::on_handshake_done() {
  auto checked = check_peer();
  if (!checked) {
    fail(checked.error().first, checked.error().second);
    return;
  }
  if (!host_.may_come_up(id_, outgoing_)) {
    fail(LinkError::kTooManyLinks, "verified link limit reached");
    return;
  }
  state_ = State::kUp;
  was_up_ = true;
  last_received_ = last_sent_ = monotonic_now();
  ++host_.link_counters().links_up;
  host_.observer().on_link_up(id_, peer_);
  if (state_ != State::kUp) return;
  for (const Bytes& message : before_up_) queue_data(message);
  before_up_.clear();
  before_up_bytes_ = 0;
  if (!flush()) fail(LinkError::kIoError, "write failed");
}

void Connection::on_read(ssize_t nread, const uv_buf_t* buf) {
  if (state_ != State::kHandshaking && state_ != State::kUp) return;
  if (nread < 0) {
    if (nread == UV_EOF) {
      fail(state_ == State::kUp ? LinkError::kClosedByPeer : LinkError::kHandshakeFailed,
           "peer closed the connection");
    } else {
      fail(LinkError::kIoError, uv_message(static_cast<int>(nread)));
    }
    return;
  }
  if (nread == 0) return;
  last_received_ = monotonic_now();
  tls_->feed(ByteView(reinterpret_cast<const std::byte*>(buf->base),
                      static_cast<std::size_t>(nread)));
  if (state_ == State::kHandshaking) handshake_step();
  if (state_ == State::kUp) receive_plaintext();
}

void Connection::receive_plaintext() {
  Bytes plain;
  TlsStatus status = tls_->read(plain);
  std::vector<wire::Frame> frames;
  if (!plain.empty()) {
    auto fed = deframer_.feed(plain);
    if (!fed) {
      fail(LinkError::kMalformedFrame, wire_error_text(fed.error()));
      return;
    }
    frames = deframer_.take_frames();
  }
  track_partial_frame(!frames.empty());
  for (wire::Frame& frame : frames) {
    if (!handle_frame(frame)) return;
  }
  if (!flush()) {
    fail(LinkError::kIoError, "write failed");
    return;
  }
  if (status.ok()) return;
  if (status.failure == TlsFailure::kClosed) {
    fail(LinkError::kClosedByPeer, status.detail);
  } else {
    // TLS 1.3: a server that refuses our certificate says so after our handshake finished.
    bool nothing_yet = frames_received_ == 0 && acks_received_ == 0;
    fail(nothing_yet ? LinkError::kHandshakeFailed : LinkError::kIoError, status.detail);
  }
}

void Connection::track_partial_frame(bool completed_some) {
  bool partial = deframer_.buffered_bytes() > 0 || tls_->has_partial_input();
  frame_deadline_.on_read(partial, completed_some, monotonic_now());
}

bool Connection::handle_frame(wire::Frame& frame) {
  if (auto* data = std::get_if<wire::DataFrame>(&frame)) {
    ++frames_received_;
    ++host_.link_counters().messages_received;
    queue_frame(window_.on_data(data->sequence));
    host_.observer().on_message(id_, data->message);
    return state_ == State::kUp;
  }
  const auto& ack = std::get<wire::AckFrame>(frame);
  ++acks_received_;
  if (auto rtt = tracker_.on_ack(ack, monotonic_now())) rtt_.sample(*rtt);
  return true;
}

void Connection::queue_frame(const wire::Frame& frame) {
  wire::Writer w;
  wire::encode(w, frame);
  Bytes bytes = std::move(w).take();
  plain_out_.insert(plain_out_.end(), bytes.begin(), bytes.end());
}

void Connection::queue_data(ByteView message) {
  std::uint32_t sequence = tracker_.on_send(monotonic_now());
  auto frame = wire::encode_data_frame(sequence, message);
  if (!frame) return;  // cannot happen: send() caps the size far below 2^24
  plain_out_.insert(plain_out_.end(), frame->begin(), frame->end());
  ++frames_sent_;
  ++host_.link_counters().messages_sent;
}

Expected<void, SendError> Connection::send(ByteView message) {
  const LinkConfig& config = host_.config();
  if (message.size() > config.max_message_size) return unexpected(SendError::kTooLarge);
  if (state_ != State::kConnecting && state_ != State::kHandshaking && state_ != State::kUp) {
    return unexpected(SendError::kNotUp);
  }
  if (queued_bytes() + message.size() > config.max_queue_bytes) {
    return unexpected(SendError::kQueueFull);
  }
  if (state_ != State::kUp) {
    before_up_.emplace_back(message.begin(), message.end());
    before_up_bytes_ += message.size();
    return {};
  }
  queue_data(message);
  // A failed write is reported from the next tick, not from inside the caller's send().
  if (!flush()) deferred_failure_ = true;
  return {};
}

bool Connection::flush() {
  if (!tls_ || state_ == State::kClosed) return true;
  if (!plain_out_.empty() && tls_->handshake_done()) {
    TlsStatus status = tls_->write(plain_out_);
    plain_out_.clear();
    if (!status.ok()) return false;
  }
  Bytes out = tls_->take_output();
  if (out.empty()) return true;
  return write_raw(std::move(out)) == 0;
}

int Connection::write_raw(Bytes bytes) {
  auto* w = new WriteReq{};
  w->req.data = w;
  w->data = std::move(bytes);
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(w->data.data()),
                             static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, uv::as_stream(tcp_), &buf, 1, on_write_cb);
  if (rc < 0) {
    delete w;
    return rc;
  }
  last_sent_ = monotonic_now();
  return 0;
}

std::size_t Connection::queued_bytes() const {
  std::size_t in_libuv = uv_stream_get_write_queue_size(uv::as_stream(tcp_));
  return before_up_bytes_ + plain_out_.size() + in_libuv;
}

void Connection::on_write_done(int status) {
  if (status < 0 && status != UV_ECANCELED &&
      (state_ == State::kHandshaking || state_ == State::kUp)) {
    fail(LinkError::kIoError, uv_message(status));
  }
}

void Connection::tick(Micros now) {
  const LinkConfig& config = host_.config();
  switch (state_) {
    case State::kConnecting:
      if (now >= deadline_) fail(LinkError::kConnectFailed, "connect timed out");
      return;
    case State::kHandshaking:
      if (now >= deadline_) fail(LinkError::kHandshakeTimeout, "handshake timed out");
      return;
    case State::kClosing:
      if (now >= deadline_) hard_close();
      return;
    case State::kClosed:
      return;
    case State::kUp:
      break;
  }
  if (deferred_failure_) {
    fail(LinkError::kIoError, "write failed");
    return;
  }
  auto oldest = tracker_.oldest_unacked();
  if ((oldest && now - *oldest >= config.ack_timeout) || tracker_.unacked() > kMaxUnacked) {
    fail(LinkError::kAckTimeout, "data frames not acknowledged in time");
    return;
  }
  if (frame_deadline_.expired(now, config.frame_timeout)) {
    fail(LinkError::kFrameTimeout, "a started frame was not completed in time");
    return;
  }
  if (config.idle_timeout.count() > 0 && now - last_received_ >= config.idle_timeout) {
    fail(LinkError::kIdleTimeout, "nothing received in time");
    return;
  }
  if (config.keepalive_interval.count() > 0 && now - last_sent_ >= config.keepalive_interval) {
    queue_frame(window_.last_ack().value_or(wire::AckFrame{kNoSequence, 0}));
    if (!flush()) fail(LinkError::kIoError, "write failed");
  }
}

void Connection::close() {
  if (state_ == State::kConnecting || state_ == State::kHandshaking) {
    hard_close();
    return;
  }
  if (state_ != State::kUp) return;
  state_ = State::kClosing;
  deadline_ = monotonic_now() + host_.config().close_linger;
  tls_->shutdown();
  flush();
  uv_read_stop(uv::as_stream(tcp_));
  auto* req = new uv_shutdown_t{};
  if (uv_shutdown(req, uv::as_stream(tcp_), on_shutdown_cb) < 0) {
    delete req;
    hard_close();
  }
}

void Connection::fail(LinkError reason, const std::string& detail) {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  bool notify = notify_down();
  host_.link_counters().count(reason);
  if (tls_) {  // best effort: a pending alert
    Bytes out = tls_->take_output();
    if (!out.empty()) (void)write_raw(std::move(out));
  }
  hard_close();
  if (notify) host_.observer().on_link_down(id_, reason, detail);
}

void Connection::hard_close() {
  if (state_ == State::kClosed || tcp_ == nullptr) return;
  state_ = State::kClosed;
  uv_read_stop(uv::as_stream(tcp_));
  if (uv_is_closing(uv::as_handle(tcp_)) == 0) uv_close(uv::as_handle(tcp_), on_closed_cb);
}

void Connection::abandon() {
  if (tcp_ == nullptr) return;
  state_ = State::kClosed;
  tcp_->data = nullptr;
  if (uv_is_closing(uv::as_handle(tcp_)) == 0) uv_close(uv::as_handle(tcp_), on_closed_cb);
  tcp_ = nullptr;
}

void Connection::on_handle_closed() {
  tcp_->data = nullptr;
  tcp_ = nullptr;
  host_.connection_closed(id_);  // destroys *this
}

LinkInfo Connection::info() const {
  LinkInfo out;
  out.peer = peer_;
  out.up = state_ == State::kUp;
  auto oldest = tracker_.oldest_unacked();
  out.suspect = out.up && oldest && monotonic_now() - *oldest > rtt_.rto();
  out.srtt = rtt_.srtt();
  out.rttvar = rtt_.rttvar();
  out.rto = rtt_.rto();
  out.rtt_samples = rtt_.samples();
  out.frames_sent = frames_sent_;
  out.frames_received = frames_received_;
  out.acks_received = acks_received_;
  out.unacked = tracker_.unacked();
  return out;
}

}  // namespace p2psip::link
