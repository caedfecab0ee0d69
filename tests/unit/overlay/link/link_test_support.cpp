#include "link_test_support.h"

#include <doctest/doctest.h>

#include <stdexcept>

#include "overlay/link/uv_util.h"
#include "overlay/security/tls_context.h"

namespace p2psip::link::test {

namespace {

security::SysSeconds now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

security::CertificateAuthority make_ca() {
  auto ca = security::CertificateAuthority::create(kOverlay, security::KeyType::ec_p256, 30,
                                                   now() - std::chrono::hours(1));
  if (!ca) throw std::runtime_error(ca.error());
  return std::move(ca).value();
}

struct WriteReq {
  uv_write_t req{};
  Bytes data;
};

}  // namespace

const security::CertificateAuthority& overlay_ca() {
  static const security::CertificateAuthority ca = make_ca();
  return ca;
}

const security::CertificateAuthority& foreign_ca() {
  static const security::CertificateAuthority ca = make_ca();
  return ca;
}

wire::NodeId node_id(unsigned char fill) {
  wire::NodeId::Array a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::byte>(fill + i);
  return wire::NodeId(a);
}

security::IssuedCredentials issue(const security::CertificateAuthority& ca, unsigned char fill) {
  security::IssueRequest request;
  request.user = "peer" + std::to_string(fill) + "@" + kOverlay;
  request.node_ids = {node_id(fill).bytes()};
  request.key_type = security::KeyType::ec_p256;
  request.days = 2;
  auto creds = ca.issue(request, now());
  if (!creds) throw std::runtime_error(creds.error());
  return std::move(creds).value();
}

security::SslCtxPtr tls_context(const security::IssuedCredentials& creds,
                                std::vector<security::RootCertificate> roots) {
  auto ctx = security::make_tls_context(creds.certificate, creds.key, roots);
  if (!ctx) throw std::runtime_error(ctx.error());
  return std::move(ctx).value();
}

LinkConfig test_config() {
  LinkConfig config;
  config.overlay = kOverlay;
  config.tick_interval = std::chrono::milliseconds(10);
  config.handshake_timeout = std::chrono::milliseconds(3000);
  return config;
}

Loop::Loop() { uv_loop_init(&loop_); }

Loop::~Loop() {
  drain();
  int rc = uv_loop_close(&loop_);
  CHECK_MESSAGE(rc == 0, "handles left open on the loop");
}

void Loop::drain() {
  // Close callbacks run within a few iterations; the loop then has nothing left to do.
  for (int i = 0; i < 100 && uv_run(&loop_, UV_RUN_NOWAIT) != 0; ++i) {
  }
}

bool Loop::run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  bool timed_out = false;
  {
    uv::Timer deadline(&loop_);
    deadline.start(static_cast<std::uint64_t>(timeout.count()), 0, [&] { timed_out = true; });
    while (!pred() && !timed_out) uv_run(&loop_, UV_RUN_ONCE);
  }
  uv_run(&loop_, UV_RUN_NOWAIT);  // runs the deadline's close callback
  return pred();
}

bool Recorder::is_up(LinkId link) const {
  for (const Up& u : ups) {
    if (u.link == link) return true;
  }
  return false;
}

bool Recorder::is_down(LinkId link) const { return down_reason(link).has_value(); }

std::optional<LinkError> Recorder::down_reason(LinkId link) const {
  for (const Down& d : downs) {
    if (d.link == link) return d.reason;
  }
  return std::nullopt;
}

RawClient::RawClient(uv_loop_t* loop, std::uint16_t port, SSL_CTX* tls, const char* source)
    : tcp_(new uv_tcp_t{}) {
  uv_tcp_init(loop, tcp_);
  tcp_->data = this;
  if (tls != nullptr) tls_.emplace(TlsSession::create(tls, TlsRole::kClient).value());
  if (source != nullptr) {
    auto from = make_sockaddr(source, 0);
    REQUIRE(uv_tcp_bind(tcp_, reinterpret_cast<const sockaddr*>(&*from), 0) == 0);
  }
  auto addr = make_sockaddr("127.0.0.1", port);
  auto* req = new uv_connect_t{};
  REQUIRE(uv_tcp_connect(req, tcp_, reinterpret_cast<const sockaddr*>(&*addr), on_connect) == 0);
}

RawClient::~RawClient() {
  uv::close_and_delete(tcp_);
  timer_.reset();
}

void RawClient::trickle(std::chrono::milliseconds every) {
  if (timer_) return;
  timer_ = std::make_unique<uv::Timer>(tcp_->loop);
  auto ms = static_cast<std::uint64_t>(every.count());
  timer_->start(ms, ms, [this] { trickle_one(); });
}

void RawClient::trickle_one() {
  if (slow_.empty() || !connected_) return;
  send_raw(Bytes{slow_.front()});
  slow_.erase(slow_.begin());
  ++trickled_;
}

void RawClient::write_partial_record(ByteView bytes, std::size_t n) {
  REQUIRE(tls_.has_value());
  (void)tls_->write(bytes);
  Bytes out = tls_->take_output();
  REQUIRE(n < out.size());
  out.resize(n);
  write_raw(std::move(out));
}

void RawClient::on_connect(uv_connect_t* req, int status) {
  auto* self = static_cast<RawClient*>(req->handle->data);
  delete req;
  if (self == nullptr || status < 0) return;
  self->connected_ = true;
  uv_read_start(
      uv::as_stream(self->tcp_),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* me = static_cast<RawClient*>(h->data);
        *buf = uv_buf_init(me->buffer_, sizeof me->buffer_);
      },
      on_read);
  self->pump();
}

void RawClient::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<RawClient*>(s->data);
  if (self == nullptr) return;
  if (nread < 0) {
    self->eof_ = true;
    uv_read_stop(s);
    return;
  }
  if (self->tls_) {
    self->tls_->feed(ByteView(reinterpret_cast<const std::byte*>(buf->base),
                              static_cast<std::size_t>(nread)));
  } else {
    self->plain_.insert(self->plain_.end(), reinterpret_cast<const std::byte*>(buf->base),
                        reinterpret_cast<const std::byte*>(buf->base) + nread);
  }
  self->pump();
}

void RawClient::pump() {
  if (!tls_) return;
  if (!tls_->handshake_done()) (void)tls_->handshake();
  if (tls_->handshake_done()) (void)tls_->read(plain_);
  write_raw(tls_->take_output());
}

void RawClient::write(ByteView bytes) {
  if (tls_) {
    (void)tls_->write(bytes);
    write_raw(tls_->take_output());
  } else {
    write_raw(Bytes(bytes.begin(), bytes.end()));
  }
}

void RawClient::write_raw(Bytes bytes) {
  if (timer_) {
    slow_.insert(slow_.end(), bytes.begin(), bytes.end());
    return;
  }
  send_raw(std::move(bytes));
}

void RawClient::send_raw(Bytes bytes) {
  if (bytes.empty() || eof_) return;
  auto* w = new WriteReq{};
  w->req.data = w;
  w->data = std::move(bytes);
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(w->data.data()),
                             static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, uv::as_stream(tcp_), &buf, 1,
                    [](uv_write_t* req, int) { delete static_cast<WriteReq*>(req->data); });
  if (rc < 0) delete w;
}

}  // namespace p2psip::link::test
