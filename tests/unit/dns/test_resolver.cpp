// dns::Resolver on a real libuv loop against a tiny in-loop UDP DNS server (A records only).
#include <doctest/doctest.h>
#include <uv.h>

#include <cstring>
#include <string>
#include <vector>

#include "dns/resolver.h"

using namespace p2psip::dns;

namespace {

// Answers every A query with 192.0.2.77 (TTL 60), anything else with NODATA; or stays silent.
struct FakeServer {
  uv_udp_t udp{};
  int port = 0;
  bool silent = false;
  int queries = 0;

  explicit FakeServer(uv_loop_t* loop) {
    uv_udp_init(loop, &udp);
    udp.data = this;
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_udp_bind(&udp, reinterpret_cast<const sockaddr*>(&addr), 0);
    sockaddr_in bound{};
    int len = sizeof bound;
    uv_udp_getsockname(&udp, reinterpret_cast<sockaddr*>(&bound), &len);
    port = ntohs(bound.sin_port);
    uv_udp_recv_start(&udp, alloc, on_recv);
  }
  void close() { uv_close(reinterpret_cast<uv_handle_t*>(&udp), nullptr); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  static void alloc(uv_handle_t*, size_t, uv_buf_t* buf) {
    static thread_local char storage[1500];
    *buf = uv_buf_init(storage, sizeof storage);
  }
  static void on_recv(uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* from, unsigned) {
    auto* self = static_cast<FakeServer*>(h->data);
    if (n < 12 || !from) return;
    ++self->queries;
    if (self->silent) return;
    std::size_t q = 12;
    while (q < static_cast<std::size_t>(n) && buf->base[q] != 0) q += static_cast<unsigned char>(buf->base[q]) + 1;
    std::size_t qend = q + 5;
    if (qend > static_cast<std::size_t>(n)) return;
    bool is_a = buf->base[q + 1] == 0 && buf->base[q + 2] == 1;
    auto* out = new std::vector<char>(buf->base, buf->base + qend);
    (*out)[2] = static_cast<char>(0x81);
    (*out)[3] = static_cast<char>(0x80);
    (*out)[7] = is_a ? 1 : 0;
    if (is_a) {
      const unsigned char rr[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 77};
      out->insert(out->end(), rr, rr + sizeof rr);
    }
    auto* req = new uv_udp_send_t;
    req->data = out;
    uv_buf_t b = uv_buf_init(out->data(), static_cast<unsigned>(out->size()));
    uv_udp_send(req, h, &b, 1, from, [](uv_udp_send_t* r, int) {
      delete static_cast<std::vector<char>*>(r->data);
      delete r;
    });
  }
};

struct CountingObserver : ResolverObserver {
  int queries = 0, hits = 0, resolutions = 0;
  void on_query(RecordType, QueryResult) override { ++queries; }
  void on_cache_hit(RecordType) override { ++hits; }
  void on_resolution(double seconds, bool) override {
    CHECK(seconds >= 0);
    ++resolutions;
  }
};

struct Fixture {
  uv_loop_t loop{};
  p2psip::SystemClock clock;
  Fixture() { uv_loop_init(&loop); }
  ~Fixture() {
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);  // every handle was closed and freed
  }
  std::unique_ptr<Resolver> make(const std::string& server, ResolverObserver* obs = nullptr,
                                 int timeout_ms = 2000) {
    ResolverConfig cfg;
    cfg.servers = {server};
    cfg.resolution_timeout = std::chrono::milliseconds(timeout_ms);
    cfg.query_timeout = std::chrono::milliseconds(timeout_ms / 4);
    auto r = Resolver::create(&loop, cfg, clock, obs);
    REQUIRE(r);
    return std::move(*r);
  }
};

}  // namespace

TEST_CASE("resolver: resolves, callback later on the loop, cache and coalescing") {
  Fixture f;
  FakeServer server(&f.loop);
  CountingObserver obs;
  auto r = f.make(server.address(), &obs);
  int done = 0;
  for (int i = 0; i < 50; ++i) {  // 50 in flight, same name: one A and one AAAA query sent
    r->resolve("sip:h.example:5070;transport=tcp", [&](ResolveResult res) {
      REQUIRE(res);
      CHECK(res->size() == 1);
      CHECK((*res)[0] == Target{Transport::tcp, "192.0.2.77", 5070, "h.example"});
      ++done;
    });
  }
  CHECK(done == 0);  // never inside resolve()
  while (done < 50) uv_run(&f.loop, UV_RUN_ONCE);
  CHECK(server.queries == 2);
  CHECK(r->stats().coalesced == 98);
  bool again = false;
  r->resolve("sip:h.example:5070", [&](ResolveResult res) { again = res.has_value(); });
  CHECK_FALSE(again);
  while (!again) uv_run(&f.loop, UV_RUN_ONCE);
  CHECK(server.queries == 3);  // A cached (TTL 60); NODATA without SOA is not (RFC 2308 §5)
  CHECK(obs.resolutions == 51);
  CHECK(obs.hits >= 1);
  r.reset();
  server.close();
}

TEST_CASE("resolver: cancel and destruction never run callbacks") {
  Fixture f;
  FakeServer server(&f.loop);
  server.silent = true;
  auto r = f.make(server.address());
  bool called = false;
  auto id = r->resolve("sip:a.example:5060", [&](ResolveResult) { called = true; });
  r->resolve("sip:b.example:5060", [&](ResolveResult) { called = true; });
  r->cancel(id);
  for (int i = 0; i < 5; ++i) uv_run(&f.loop, UV_RUN_NOWAIT);
  r.reset();  // queries still pending in c-ares
  server.close();
  uv_run(&f.loop, UV_RUN_DEFAULT);
  CHECK_FALSE(called);
}

TEST_CASE("resolver: silent server -> timeout error within the bound") {
  Fixture f;
  FakeServer server(&f.loop);
  server.silent = true;
  auto r = f.make(server.address(), nullptr, 400);
  auto t0 = std::chrono::steady_clock::now();
  bool done = false;
  r->resolve("sip:slow.example", [&](ResolveResult res) {
    REQUIRE_FALSE(res);
    CHECK(res.error().kind == ResolveError::Kind::timeout);
    CHECK(res.error().message() == "slow.example: timeout after 0.4s");
    done = true;
  });
  while (!done) uv_run(&f.loop, UV_RUN_ONCE);
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took < std::chrono::milliseconds(900));
  r.reset();
  server.close();
}

TEST_CASE("resolver: bad URI reported through the callback; bad server list fails create") {
  Fixture f;
  ResolverConfig cfg;
  cfg.servers = {"not-an-address"};
  CHECK_FALSE(Resolver::create(&f.loop, cfg, f.clock));
  auto r = f.make("127.0.0.1:9");
  bool done = false;
  r->resolve("http://x", [&](ResolveResult res) {
    REQUIRE_FALSE(res);
    CHECK(res.error().kind == ResolveError::Kind::bad_uri);
    done = true;
  });
  while (!done) uv_run(&f.loop, UV_RUN_ONCE);
}

TEST_CASE("resolver: destroying the resolver inside its own callback is safe") {
  Fixture f;
  FakeServer server(&f.loop);
  auto r = f.make(server.address());
  int calls = 0;
  for (int i = 0; i < 3; ++i) {
    r->resolve("sip:192.0.2.1", [&](ResolveResult) {
      ++calls;
      r.reset();
    });
  }
  for (int i = 0; i < 5 && calls == 0; ++i) uv_run(&f.loop, UV_RUN_NOWAIT);
  CHECK(calls == 1);
  server.close();
}
