#include "overlay/enroll/https_client.h"

#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "overlay/security/handles.h"

namespace p2psip::enroll {

namespace {

namespace sec = p2psip::security;
using SslPtr = sec::CHandle<SSL, SSL_free>;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Expected<void, std::string> connect_to(const HttpsUrl& url, std::chrono::milliseconds timeout, Fd& out) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(url.port);
  if (int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return unexpected("cannot resolve '" + url.host + "': " + gai_strerror(rc));
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  std::string err = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      out.fd = fd;
      ::freeaddrinfo(res);
      return {};
    }
    err = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return unexpected("cannot connect to " + url.host + ":" + port + ": " + err);
}

std::string normalize_fingerprint(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != ':') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

Expected<sec::SslCtxPtr, std::string> client_context(const HttpsTrust& trust) {
  sec::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    return unexpected(sec::openssl_error("TLS client"));
  }
  if (!trust.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), trust.ca_file.c_str(), nullptr) != 1) {
      return unexpected(sec::openssl_error("cannot load '" + trust.ca_file + "'"));
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // checked by fingerprint below
  }
  return ctx;
}

Expected<void, std::string> check_peer(SSL* ssl, const HttpsTrust& trust) {
  if (!trust.ca_file.empty()) return {};  // verified in the handshake
  X509* peer = SSL_get0_peer_certificate(ssl);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!peer || X509_digest(peer, EVP_sha256(), md, &len) != 1) return unexpected(std::string("no server certificate"));
  std::string got = to_hex(ByteView(reinterpret_cast<const std::byte*>(md), len));
  if (got != normalize_fingerprint(trust.fingerprint)) {
    return unexpected("server certificate fingerprint " + got + " is not the one given");
  }
  return {};
}

Expected<void, std::string> write_all(SSL* ssl, std::string_view data) {
  while (!data.empty()) {
    int n = SSL_write(ssl, data.data(), static_cast<int>(data.size()));
    if (n <= 0) return unexpected(sec::openssl_error("TLS write failed"));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

Expected<HttpsUrl, std::string> parse_https_url(std::string_view url) {
  if (!url.starts_with("https://")) return unexpected(std::string("not an https:// URL"));
  url.remove_prefix(8);
  HttpsUrl out;
  std::size_t slash = url.find('/');
  std::string_view auth = url.substr(0, slash);
  out.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  std::string_view port;
  if (auth.starts_with("[")) {
    std::size_t close = auth.find(']');
    if (close == std::string_view::npos) return unexpected(std::string("unbalanced '[' in the URL"));
    out.host = std::string(auth.substr(1, close - 1));
    if (close + 1 < auth.size()) {
      if (auth[close + 1] != ':') return unexpected(std::string("bad URL authority"));
      port = auth.substr(close + 2);
    }
  } else {
    std::size_t colon = auth.find(':');
    out.host = std::string(auth.substr(0, colon));
    if (colon != std::string_view::npos) port = auth.substr(colon + 1);
  }
  if (out.host.empty()) return unexpected(std::string("URL without a host"));
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) {
      return unexpected(std::string("bad port in the URL"));
    }
    out.port = static_cast<std::uint16_t>(p);
  }
  return out;
}

Expected<HttpsAnswer, std::string> parse_http_answer(std::string_view raw) {
  std::size_t head_end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || head_end == std::string_view::npos || raw.size() < 12) {
    return unexpected(std::string("not an HTTP answer"));
  }
  HttpsAnswer a;
  auto [end, ec] = std::from_chars(raw.data() + 9, raw.data() + 12, a.status);
  if (ec != std::errc() || end != raw.data() + 12) return unexpected(std::string("bad HTTP status line"));
  std::string_view head = raw.substr(0, head_end);
  std::size_t length = raw.size() - head_end - 4;
  for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
    std::size_t next = head.find("\r\n", pos + 2);
    std::string line(head.substr(pos + 2, next == head.npos ? head.npos : next - pos - 2));
    pos = next;
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(line.find_first_not_of(" \t", colon + 1) == std::string::npos ? line.size() : line.find_first_not_of(" \t", colon + 1));
    if (name == "content-type") a.content_type = value.substr(0, value.find(';'));
    if (name == "content-length") {
      std::size_t n = 0;
      auto r = std::from_chars(value.data(), value.data() + value.size(), n);
      if (r.ec == std::errc() && n <= length) length = n;
    }
  }
  a.body = std::string(raw.substr(head_end + 4, length));
  return a;
}

Expected<HttpsAnswer, std::string> https_request(const HttpsUrl& url, const HttpsTrust& trust, std::string_view method,
                                                 std::string_view headers, std::string_view body,
                                                 std::chrono::milliseconds timeout) {
  auto ctx = client_context(trust);
  if (!ctx) return unexpected(ctx.error());
  Fd sock;
  auto connected = connect_to(url, timeout, sock);
  if (!connected) return unexpected(connected.error());
  SslPtr ssl(SSL_new(ctx->get()));
  if (!ssl || SSL_set_fd(ssl.get(), sock.fd) != 1) return unexpected(sec::openssl_error("TLS"));
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
    // SSL_set_tlsext_host_name without its C cast
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(url.host.c_str()));
  }
  if (SSL_connect(ssl.get()) != 1) return unexpected(sec::openssl_error("TLS handshake with " + url.host + " failed"));
  auto trusted = check_peer(ssl.get(), trust);
  if (!trusted) return unexpected(trusted.error());
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  std::string req = std::string(method) + " " + url.path + " HTTP/1.1\r\nHost: " + host + ":" +
                    std::to_string(url.port) + "\r\nConnection: close\r\n" + std::string(headers) +
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  auto sent = write_all(ssl.get(), req);
  if (!sent) return unexpected(sent.error());
  std::string raw;
  char buf[8192];
  while (raw.size() <= kMaxHttpsAnswer) {
    int n = SSL_read(ssl.get(), buf, sizeof buf);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ERR_clear_error();
  if (raw.size() > kMaxHttpsAnswer) return unexpected(std::string("answer too large"));
  return parse_http_answer(raw);
}

}  // namespace p2psip::enroll
