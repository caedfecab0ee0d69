// ConfigurationKeeper (overlay/api/configuration.h): which newer configuration documents a node
// accepts from a ConfigUpdate (RFC 6940 §6.5.4.2), and when it fetches again (§11.1 expiration).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "overlay/api/configuration.h"
#include "tests/unit/overlay/enroll/test_support.h"

namespace p2psip::overlay {
namespace {

namespace sec = p2psip::security;
namespace en = p2psip::enroll;
using en::test::test_ca;
using en::test::test_now;
using en::test::test_signer;

struct Docs {
  sec::CertificateAuthority ca = test_ca();
  sec::IssuedCredentials signer = test_signer(ca);
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("p2p-keeper-" + std::to_string(::getpid()));
  Docs() { std::filesystem::create_directories(dir); }
  ~Docs() { std::filesystem::remove_all(dir); }

  std::string make(std::uint32_t seq, std::vector<sec::NodeId> bad = {},
                   const sec::CertificateAuthority* root = nullptr,
                   const sec::IssuedCredentials* by = nullptr) {
    const auto& r = root ? *root : ca;
    const auto& s = by ? *by : signer;
    en::ConfigDocumentParams p;
    p.instance_name = "p2p.test";
    p.sequence = seq;
    p.expiration = test_now() + std::chrono::days(30);
    p.root_certs.emplace_back(r.root().der().begin(), r.root().der().end());
    p.enrollment_servers.push_back("https://127.0.0.1:1/enroll");
    p.bad_nodes = std::move(bad);
    return en::build_config_document(p, s.certificate, s.key).value();
  }
  std::string write(const std::string& text) {
    auto path = dir / "reload-config.xml";
    std::ofstream(path) << text;
    return path.string();
  }
};

struct Loop {
  uv_loop_t loop{};
  Loop() { uv_loop_init(&loop); }
  ~Loop() {
    while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
    }
    uv_loop_close(&loop);
  }
};

// A keeper's surroundings: documents, a loop, a clock, the node's configuration.
struct Setup : Docs {
  Loop l;
  SystemClock clock;
  NodeConfig config;
  explicit Setup(const std::string& overlay) {
    config.overlay = overlay;
    config.configuration.document = write(make(1));
  }
  Expected<std::unique_ptr<ConfigurationKeeper>, Error> load() {
    return ConfigurationKeeper::load(&l.loop, config, clock, {});
  }
};

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_CASE("a ConfigUpdate is accepted only when newer, from our signer under our root") {
  Setup docs("p2p.test");
  auto keeper = docs.load();
  REQUIRE(keeper.has_value());
  REQUIRE(*keeper);
  ConfigurationKeeper& k = **keeper;
  CHECK(k.sequence() == 1);
  peer::NodeId from;

  // Another enrolled node (same CA) signing a document that names itself configuration-signer.
  auto mallory = test_signer(docs.ca, "mallory@p2p.test");
  auto forged = docs.make(5, {}, nullptr, &mallory);
  auto v = k.offered(Millis{0}, as_bytes(forged), from);
  CHECK(v.refused == wire::ErrorCode::kForbidden);
  CHECK(v.why.find("configuration-signer") != std::string::npos);

  sec::CertificateAuthority other = test_ca();
  auto other_signer = test_signer(other);
  v = k.offered(Millis{0}, as_bytes(docs.make(5, {}, &other, &other_signer)), from);
  CHECK(v.refused == wire::ErrorCode::kForbidden);  // another root

  auto tampered = docs.make(5);
  tampered.replace(tampered.find("sequence=\"5\""), 12, "sequence=\"6\"");
  CHECK(k.offered(Millis{0}, as_bytes(tampered), from).refused == wire::ErrorCode::kForbidden);

  auto bad = sec::random_node_id().value();
  auto two = docs.make(2, {bad});
  v = k.offered(Millis{0}, as_bytes(two), from);
  CHECK_FALSE(v.refused.has_value());
  CHECK(v.sequence == 2);
  CHECK(k.sequence() == 2);
  CHECK(read(docs.config.configuration.document) == two);  // kept for the next start
  CHECK(bad_node_ids(k.current()) == std::vector<sec::NodeId>{bad});

  v = k.offered(Millis{0}, as_bytes(two), from);  // not newer
  CHECK(v.refused == wire::ErrorCode::kConfigTooOld);
  CHECK(k.offered(Millis{0}, as_bytes(docs.make(1)), from).refused == wire::ErrorCode::kConfigTooOld);
}

TEST_CASE("a document of another overlay is a configuration error") {
  Setup setup("other.test");
  auto keeper = setup.load();
  REQUIRE_FALSE(keeper.has_value());
  CHECK(keeper.error().field == "config_document");
  setup.config.configuration.document.clear();
  auto none = setup.load();
  REQUIRE(none.has_value());
  CHECK(*none == nullptr);  // no document: nothing to keep
}

TEST_CASE("the next fetch: a random point in 50-90 % of min(time left, an hour); at once when expired") {
  sec::SysSeconds now{std::chrono::seconds{1'700'000'000}};
  using std::chrono::milliseconds;
  CHECK(refresh_delay(now, now + std::chrono::days(30), 0.0) == milliseconds(1'800'000));
  CHECK(refresh_delay(now, now + std::chrono::days(30), 1.0) == milliseconds(3'240'000));
  CHECK(refresh_delay(now, now + std::chrono::seconds(100), 0.5) == milliseconds(70'000));
  CHECK(refresh_delay(now, now - std::chrono::seconds(1), 0.5) == milliseconds(0));
}

}  // namespace
}  // namespace p2psip::overlay
