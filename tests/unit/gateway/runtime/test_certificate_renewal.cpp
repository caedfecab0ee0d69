// CertificateRenewal (certificate_renewal.h): a certificate due for renewal is renewed off the
// loop thread. The enrollment server here is a listener that never answers: while the renewal
// waits for it, the loop must keep running (a timer of the test closes the listener, which
// ends the renewal with a failure, logged on the loop).
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/uv_handle.h"
#include "gateway/runtime/certificate_renewal.h"
#include "gateway/runtime/node_enrollment.h"
#include "p2psip/overlay/ca.h"

using namespace p2psip;

namespace {

// A listener on 127.0.0.1 that accepts nothing: connections wait in its backlog.
int silent_listener(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd, 4);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// An enrollment directory whose certificate was issued 300 of its 365 days ago: due.
std::string due_enrollment(const std::filesystem::path& base) {
  auto past = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) - std::chrono::days{300};
  REQUIRE(overlay::init_ca({"renew.test", (base / "ca").string(), overlay::KeyType::kEcP256, 3650}, past));
  std::filesystem::create_directories(base / "enrollment");
  overlay::CaIssueOptions issue{(base / "ca").string(), "n@renew.test", {}, overlay::KeyType::kEcP256, 365,
                                (base / "enrollment" / "node").string()};
  REQUIRE(overlay::issue_certificate(issue, past));
  return (base / "enrollment").string();
}

// A real `p2psip enroll-server` (run_enroll_server) on a thread, for the CA in base/ca.
class EnrollServer : public overlay::EnrollAttemptLimiter, public overlay::EnrollObserver {
 public:
  explicit EnrollServer(const std::filesystem::path& base) {
    overlay::EnrollServerOptions o;
    o.overlay = "renew.test";
    o.listen = {"127.0.0.1", 0};
    o.ca_dir = (base / "ca").string();
    o.users = {{"n", "pw"}};
    thread_ = std::thread([this, o] {
      overlay::run_enroll_server(o, *this, *this, stop_, [this](const std::string& url, const std::string& fp) {
        url_ = url, fingerprint_ = fp, ready_ = true;
      });
    });
    while (!ready_) std::this_thread::yield();
  }
  ~EnrollServer() {
    stop_ = true;
    thread_.join();
  }
  overlay::EnrollClientOptions client(const std::string& dir) const {
    overlay::EnrollClientOptions c;
    c.url = url_;
    c.user = "n";
    c.password = "pw";
    c.fingerprint = fingerprint_;
    c.data_dir = dir;
    return c;
  }
  bool blocked(const std::string&) override { return false; }
  void failed(const std::string&) override {}
  void succeeded(const std::string&) override {}
  void document_served() override {}
  void enrolled() override { ++issued; }
  void refused(std::string_view) override {}
  void connection_evicted() override {}
  std::atomic<int> issued{0};

 private:
  std::atomic<bool> stop_{false}, ready_{false};
  std::string url_, fingerprint_;
  std::thread thread_;
};

std::string file_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("certificate renewal: a due certificate is replaced, with the same Node-ID each time") {
  auto base = std::filesystem::temp_directory_path() / ("p2psip-renewal-ok-" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  std::string dir = due_enrollment(base);
  std::string old_cert = file_text(std::filesystem::path(dir) / "node.crt");
  EnrollServer server(base);
  auto first = overlay::renew_enrollment(server.client(dir));
  REQUIRE_MESSAGE(first.exit_code == overlay::kEnrollExitOk, first.message);
  CHECK(file_text(std::filesystem::path(dir) / "node.crt") != old_cert);
  auto info = overlay::read_certificate((std::filesystem::path(dir) / "node.crt").string());
  REQUIRE(info);
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  CHECK_FALSE(runtime::renewal_due(info->not_before, info->not_after, now));
  CHECK_FALSE(std::filesystem::exists(dir + ".new"));
  CHECK_FALSE(std::filesystem::exists(dir + ".old"));
  auto stored = overlay::read_enrollment(dir);
  REQUIRE((stored && *stored));
  CHECK((*stored)->overlay == "renew.test");

  // The timer's renewal, once the certificate is due again, runs on the thread pool and says so.
  due_enrollment(base / "again");
  std::filesystem::remove_all(dir);
  std::filesystem::rename(base / "again" / "enrollment", dir);
  std::ostringstream lines;
  auto log = std::make_shared<spdlog::logger>("enroll", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    runtime::CertificateRenewal renewal(&loop, server.client(dir), log, Millis{10});
    uv::Timer tick(&loop), guard(&loop);
    tick.start(5, 5, [&] {
      if (lines.str().find("renewed the certificate") != std::string::npos ||
          lines.str().find("renewal failed") != std::string::npos) {
        uv_stop(&loop);
      }
    });
    guard.start(60000, 0, [&] { uv_stop(&loop); });
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
  }
  uv_loop_close(&loop);
  CHECK_MESSAGE(lines.str().find("renewed the certificate") != std::string::npos, lines.str());
  CHECK(lines.str().find("same Node-ID " + first.node_ids.front()) != std::string::npos);
  CHECK(server.issued == 2);
  std::filesystem::remove_all(base);
}

TEST_CASE("certificate renewal: runs off the loop thread, the loop keeps running meanwhile") {
  auto base = std::filesystem::temp_directory_path() / ("p2psip-renewal-" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  std::uint16_t port = 0;
  int listener = silent_listener(port);
  overlay::EnrollClientOptions o;
  o.url = "https://127.0.0.1:" + std::to_string(port) + "/.well-known/reload-config";
  o.user = "n";
  o.password = "x";
  o.fingerprint = std::string(64, '0');
  o.data_dir = due_enrollment(base);
  std::ostringstream lines;
  auto log = std::make_shared<spdlog::logger>("enroll", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  uv_loop_t loop;
  uv_loop_init(&loop);
  int ticks_in_flight = 0;
  {
    runtime::CertificateRenewal renewal(&loop, o, log, Millis{10});
    uv::Timer tick(&loop), guard(&loop);
    tick.start(5, 5, [&] {
      std::string text = lines.str();
      if (text.find("renewal failed") != std::string::npos) {
        uv_stop(&loop);
      } else if (text.find("due for renewal") != std::string::npos) {
        ++ticks_in_flight;  // the loop runs while the renewal waits for the server
        if (listener >= 0) ::close(listener), listener = -1;  // resets the waiting connection
      }
    });
    guard.start(60000, 0, [&] { uv_stop(&loop); });  // a hang fails the checks below, not CI
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
  }
  uv_loop_close(&loop);
  CHECK(lines.str().find("due for renewal") != std::string::npos);
  CHECK(lines.str().find("renewal failed") != std::string::npos);
  CHECK(ticks_in_flight >= 1);
  if (listener >= 0) ::close(listener);
  std::filesystem::remove_all(base);
}
