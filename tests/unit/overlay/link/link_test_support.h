#pragma once
// Fixtures for the link tests: a uv loop run until a condition (with a deadline, never a
// fixed sleep), credentials issued by an in-memory overlay CA, an observer that records
// every callback, and a raw TLS (or plain TCP) client that writes arbitrary bytes.

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/uv_handle.h"
#include "overlay/link/link_manager.h"
#include "overlay/link/tls_session.h"
#include "overlay/security/ca.h"

namespace p2psip::link::test {

inline constexpr const char* kOverlay = "p2p.example.com";

const security::CertificateAuthority& overlay_ca();
const security::CertificateAuthority& foreign_ca();  // another root for the same overlay name

wire::NodeId node_id(unsigned char fill);
security::IssuedCredentials issue(const security::CertificateAuthority& ca, unsigned char fill);
// A TLS context for credentials of `ca` trusting `roots`.
security::SslCtxPtr tls_context(const security::IssuedCredentials& creds,
                                std::vector<security::RootCertificate> roots);

LinkConfig test_config();

class Loop {
 public:
  Loop();
  ~Loop();  // runs the loop until every handle has closed, then checks uv_loop_close
  uv_loop_t* get() { return &loop_; }
  // Runs the loop until pred() holds or `timeout` passes; returns pred().
  bool run_until(const std::function<bool()>& pred,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  // Runs the loop until no handle is active (the close callbacks have run).
  void drain();

 private:
  uv_loop_t loop_{};
};

struct Recorder final : LinkObserver {
  struct Up { LinkId link; PeerInfo peer; };
  struct Message { LinkId link; Bytes bytes; };
  struct Down { LinkId link; LinkError reason; std::string detail; };
  std::vector<Up> ups;
  std::vector<Message> messages;
  std::vector<Down> downs;
  std::function<void(LinkId, ByteView)> on_message_hook;

  void on_link_up(LinkId link, const PeerInfo& peer) override { ups.push_back({link, peer}); }
  void on_message(LinkId link, ByteView message) override {
    messages.push_back({link, Bytes(message.begin(), message.end())});
    if (on_message_hook) on_message_hook(link, message);
  }
  void on_link_down(LinkId link, LinkError reason, std::string_view detail) override {
    downs.push_back({link, reason, std::string(detail)});
  }
  bool is_up(LinkId link) const;
  bool is_down(LinkId link) const;
  std::optional<LinkError> down_reason(LinkId link) const;
};

// A client that connects with plain TCP, optionally runs a TLS handshake (TlsSession over
// the same memory BIOs as the links) and then writes whatever bytes a test wants.
class RawClient {
 public:
  // `source`: the local address to connect from (any 127.x.y.z works on loopback).
  RawClient(uv_loop_t* loop, std::uint16_t port, SSL_CTX* tls = nullptr,
            const char* source = nullptr);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  bool handshake_done() const { return tls_ && tls_->handshake_done(); }
  bool closed_by_server() const { return eof_; }
  const Bytes& plaintext() const { return plain_; }
  void write(ByteView bytes);  // through TLS when there is TLS, raw otherwise
  // From now on every byte written (TLS handshake included) leaves one at a time, `every`
  // apart: a slow-loris client.
  void trickle(std::chrono::milliseconds every);
  std::size_t trickled() const { return trickled_; }
  // Encrypts `bytes` as one TLS record but sends only its first `n` bytes.
  void write_partial_record(ByteView bytes, std::size_t n);

 private:
  static void on_connect(uv_connect_t* req, int status);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  void pump();
  void write_raw(Bytes bytes);
  void send_raw(Bytes bytes);
  void trickle_one();

  uv_tcp_t* tcp_;
  std::optional<TlsSession> tls_;
  bool connected_ = false;
  bool eof_ = false;
  Bytes plain_;
  std::unique_ptr<uv::Timer> timer_;  // with trickle()
  Bytes slow_;                        // bytes waiting to be trickled
  std::size_t trickled_ = 0;
  char buffer_[64 * 1024];
};

}  // namespace p2psip::link::test
