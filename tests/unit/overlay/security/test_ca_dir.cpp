#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "overlay/security/ca_dir.h"
#include "test_support.h"

using namespace p2psip::security;
using namespace p2psip::security::test;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("p2p-ca-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(counter()++));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

unsigned mode_of(const fs::path& p) {
  struct stat st{};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("ca dir: init, issue, files and modes, overlay recovered from the root") {
  TempDir tmp;
  fs::path dir = tmp.path / "ca";
  auto init = init_ca_dir({"P2P.example.com", dir, KeyType::ec_p256, 3650}, kNow);
  REQUIRE_MESSAGE(init.has_value(), init.error().message);
  CHECK(init->overlay == "p2p.example.com");
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of(ca_key_path(dir)) == 0600);
  CHECK(mode_of(ca_cert_path(dir)) == 0644);

  CaIssueOptions opt{dir, kUser, {"00112233445566778899aabbccddeeff"}, KeyType::rsa2048, 30,
                     tmp.path / "alice"};
  auto issued = issue_to_files(opt, kNow);
  REQUIRE_MESSAGE(issued.has_value(), issued.error().message);
  CHECK(issued->overlay == "p2p.example.com");
  CHECK(mode_of(tmp.path / "alice.key") == 0600);
  auto cert = Certificate::load(tmp.path / "alice.crt", "p2p.example.com");
  REQUIRE_MESSAGE(cert.has_value(), cert.error());
  CHECK(node_id_hex(cert->node_ids().at(0)) == "00112233445566778899aabbccddeeff");
  auto root = RootCertificate::load(ca_cert_path(dir));
  REQUIRE(root.has_value());
  CHECK(cert->verify_chain(*root, kNow).has_value());
  auto key = PrivateKey::load(tmp.path / "alice.key");
  REQUIRE(key.has_value());
  CHECK(EVP_PKEY_eq(key->get(), cert->public_key()) == 1);

  // A random Node-ID when none is given.
  opt.node_ids_hex.clear();
  opt.out_prefix = tmp.path / "random";
  auto random = issue_to_files(opt, kNow);
  REQUIRE(random.has_value());
  CHECK(random->node_ids.size() == 1);
}

TEST_CASE("ca dir: bad input is refused and nothing is written") {
  TempDir tmp;
  fs::path dir = tmp.path / "ca";
  REQUIRE(init_ca_dir({"p2p.example.com", dir, KeyType::ec_p256, 3650}, kNow).has_value());
  auto again = init_ca_dir({"p2p.example.com", dir, KeyType::ec_p256, 3650}, kNow);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().exit_code() == 2);
  CHECK(again.error().message.find("already exists") != std::string::npos);
  CHECK_FALSE(init_ca_dir({"bad overlay", tmp.path / "x", KeyType::ec_p256, 10}, kNow).has_value());
  CHECK_FALSE(fs::exists(tmp.path / "x"));

  const std::size_t before = entries(tmp.path);
  auto expect_refused = [&](CaIssueOptions o, int code, const char* text) {
    auto r = issue_to_files(o, kNow);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().exit_code() == code);
    CHECK_MESSAGE(r.error().message.find(text) != std::string::npos, r.error().message);
    CHECK(r.error().message.find('\n') == std::string::npos);
    CHECK(entries(tmp.path) == before);
  };
  CaIssueOptions ok{dir, kUser, {}, KeyType::ec_p256, 30, tmp.path / "bob"};
  auto o = ok;
  o.user = "bob";
  expect_refused(o, 2, "user@domain");
  o = ok;
  o.node_ids_hex = {"xyz"};
  expect_refused(o, 2, "32 hex");
  o = ok;
  o.node_ids_hex = {"00112233445566778899aabbccddeeff", "00112233445566778899AABBCCDDEEFF"};
  expect_refused(o, 2, "twice");
  o = ok;
  o.dir = tmp.path / "missing";
  expect_refused(o, 1, "does not exist");
  o = ok;
  o.out_prefix = tmp.path / "nodir" / "bob";
  expect_refused(o, 2, "does not exist");
  o = ok;
  o.days = 0;
  expect_refused(o, 2, "days");
  o = ok;
  o.out_prefix = dir / "ca";  // would clobber ca.crt / ca.key
  auto clobber = issue_to_files(o, kNow);
  REQUIRE_FALSE(clobber.has_value());
  CHECK(clobber.error().message.find("already exists") != std::string::npos);
}
