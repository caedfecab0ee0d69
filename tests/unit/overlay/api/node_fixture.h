#pragma once
// Shared by the public API tests: a real libuv loop run until a condition holds, a CA in a
// temporary directory issuing node credentials, and a node made from them.

#include <doctest/doctest.h>

#include <uv.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <unistd.h>

#include "p2psip/overlay/ca.h"
#include "p2psip/overlay/overlay.h"

namespace ov = p2psip::overlay;
namespace fs = std::filesystem;
using p2psip::Expected;

namespace api_test {

constexpr const char* kOverlay = "api.example.com";

struct Loop {
  uv_loop_t loop{};
  Loop() { uv_loop_init(&loop); }
  ~Loop() {
    while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
    }
    CHECK(uv_loop_close(&loop) == 0);
  }
  // Runs the loop until pred() holds or `timeout` passes (a deadline, not a sleep).
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    uv_timer_t tick{};
    uv_timer_init(&loop, &tick);
    uv_timer_start(&tick, [](uv_timer_t*) {}, 10, 10);
    while (!pred() && std::chrono::steady_clock::now() < end) uv_run(&loop, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
    return pred();
  }
};

struct Ca {
  fs::path dir;
  ov::SysSeconds now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  explicit Ca(const std::string& tag = "")
      : dir(fs::temp_directory_path() / ("p2p-api-" + std::to_string(::getpid()) + tag)) {
    fs::remove_all(dir);
    auto r = ov::init_ca({kOverlay, (dir / "ca").string(), ov::KeyType::kEcP256, 30}, now);
    REQUIRE(r);
  }
  ~Ca() { fs::remove_all(dir); }
  // `file` names the files (default: the user); `ids`: Node-IDs (hex; empty: a random one);
  // `at`: the issuing time (default: now).
  ov::CredentialFiles issue(const std::string& name, std::vector<std::string> ids = {},
                            std::string file = {}, std::optional<ov::SysSeconds> at = {},
                            int days = 30) {
    std::string prefix = (dir / (file.empty() ? name : file)).string();
    auto r = ov::issue_certificate({(dir / "ca").string(), name + "@" + kOverlay, std::move(ids),
                                    ov::KeyType::kEcP256, days, prefix}, at.value_or(now));
    REQUIRE(r);
    return {r->cert_path, r->key_path, ov::ca_cert_path((dir / "ca").string())};
  }
};

inline std::unique_ptr<ov::Node> make_node(Loop& loop, const p2psip::Clock& clock,
                                    ov::CredentialFiles files,
                                    std::vector<ov::Endpoint> bootstrap = {}) {
  ov::NodeConfig c;
  c.overlay = kOverlay;
  c.credentials = std::move(files);
  c.bootstrap = std::move(bootstrap);
  auto node = ov::Node::create(&loop.loop, c, clock);
  REQUIRE(node);
  return std::move(*node);
}

// Looks `aor` up through `node` until something is found or 10 s passed (a joining node may
// be asked before the handover of the values it is now responsible for has reached it).
inline Expected<ov::Resolution, ov::Failure> lookup_until_found(Loop& loop, ov::Node& node,
                                                                 const std::string& aor) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::optional<Expected<ov::Resolution, ov::Failure>> r;
    node.lookup(aor, [&](Expected<ov::Resolution, ov::Failure> x) { r = std::move(x); });
    REQUIRE(loop.run_until([&] { return r.has_value(); }, std::chrono::seconds(20)));
    if ((r->has_value() && !(*r)->empty()) || std::chrono::steady_clock::now() > end) return *r;
    loop.run_until([] { return false; }, std::chrono::milliseconds(100));
  }
}

}  // namespace api_test
