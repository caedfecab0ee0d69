// Joins a RELOAD overlay as a peer and looks up one AoR, using only the installed library:
//   c++ -std=c++20 lookup_aor.cpp $(pkg-config --cflags --libs p2psip-overlay) -o lookup_aor
//   ./lookup_aor OVERLAY BOOTSTRAP_IP:PORT CERT KEY CA AOR
// Prints each contact of the AoR on a line; exit 0 found, 1 nothing registered, 3 failed.
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "p2psip/overlay/overlay.h"

using namespace p2psip;

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s OVERLAY BOOTSTRAP_IP:PORT CERT KEY CA AOR\n", argv[0]);
    return 2;
  }
  std::string bootstrap = argv[2], aor = argv[6];
  auto colon = bootstrap.rfind(':');
  if (colon == std::string::npos) return 2;
  overlay::NodeConfig config;
  config.overlay = argv[1];
  config.bootstrap.push_back({bootstrap.substr(0, colon),
                              static_cast<std::uint16_t>(std::stoi(bootstrap.substr(colon + 1)))});
  config.credentials = {argv[3], argv[4], argv[5]};

  std::signal(SIGPIPE, SIG_IGN);  // the library's rule: a peer's closed link is no signal
  uv_loop_t* loop = uv_default_loop();
  SystemClock clock;
  auto node = overlay::Node::create(loop, config, clock, [](overlay::LogLevel level, const std::string& line) {
    if (level >= overlay::LogLevel::kWarn) std::fprintf(stderr, "%s\n", line.c_str());
  });
  if (!node) return std::fprintf(stderr, "node: %s\n", node.error().message.c_str()), 3;
  if (auto started = (*node)->start(); !started) {
    return std::fprintf(stderr, "start: %s\n", started.error().message.c_str()), 3;
  }
  overlay::Node& n = **node;
  int result = 3;
  bool asked = false;
  n.on_change([&] {  // once joined: one lookup, then a clean Leave
    if (asked || n.state() != overlay::State::kJoined) return;
    asked = true;
    n.lookup(aor, [&](Expected<overlay::Resolution, overlay::Failure> r) {
      if (!r) std::fprintf(stderr, "lookup failed: %s\n", r.error().message.c_str());
      else for (const auto& uri : r->uris) std::printf("%s\n", uri.c_str());
      result = !r ? 3 : r->uris.empty() ? 1 : 0;
      n.leave(Millis{3000}, [loop] { uv_stop(loop); });
    });
  });
  uv_timer_t deadline;  // give up after 60 s
  uv_timer_init(loop, &deadline);
  uv_timer_start(&deadline, [](uv_timer_t* t) { uv_stop(t->loop); }, 60000, 0);
  uv_unref(reinterpret_cast<uv_handle_t*>(&deadline));
  uv_run(loop, UV_RUN_DEFAULT);
  node->reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
  while (uv_run(loop, UV_RUN_NOWAIT) != 0) {}
  return result;
}
