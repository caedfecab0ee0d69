// The one TLS key-log hook (keylog.h): a context writes NSS key log lines to the file set on
// it, a new path replaces the old one, "" stops the log, and the file is created 0600.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "overlay/security/keylog.h"
#include "test_support.h"

using namespace p2psip::security;
using namespace p2psip::security::test;

namespace {

std::filesystem::path temp_file(const std::string& name) {
  auto path = std::filesystem::temp_directory_path() /
              ("p2p-keylog-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  return path;
}

int line_count(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    bool nss = line.rfind("CLIENT_", 0) == 0 || line.rfind("SERVER_", 0) == 0 ||
               line.rfind("EXPORTER_SECRET ", 0) == 0;
    CHECK_MESSAGE(nss, line);
    ++lines;
  }
  return lines;
}

struct Pair {
  SslCtxPtr client;
  SslCtxPtr server;
  Pair() {
    auto alice = ec_ca().issue({kUser, {node_id(1)}, KeyType::ec_p256, 30},
                               std::chrono::floor<std::chrono::seconds>(
                                   std::chrono::system_clock::now()));
    auto bob = ec_ca().issue({"bob@p2p.example.com", {node_id(2)}, KeyType::ec_p256, 30},
                             std::chrono::floor<std::chrono::seconds>(
                                 std::chrono::system_clock::now()));
    REQUIRE(alice);
    REQUIRE(bob);
    auto c = make_tls_context(alice->certificate, alice->key, ec_ca().root());
    auto s = make_tls_context(bob->certificate, bob->key, ec_ca().root());
    REQUIRE(c);
    REQUIRE(s);
    client = std::move(*c);
    server = std::move(*s);
  }
  void connect() {
    SslPtr a, b;
    REQUIRE(handshake(client.get(), server.get(), a, b));
  }
};

}  // namespace

TEST_CASE("key log: the file set on a context gets the lines; a new path replaces it; \"\" stops it") {
  ::unsetenv("SSLKEYLOGFILE");
  Pair pair;
  CHECK(keylog_file(pair.client.get()).empty());
  auto first = temp_file("first");
  auto second = temp_file("second");

  set_keylog_file(pair.client.get(), first.string());
  CHECK(keylog_file(pair.client.get()) == first.string());
  pair.connect();
  int after_first = line_count(first);
  CHECK(after_first >= 2);  // TLS 1.3: handshake and traffic secrets
  CHECK((std::filesystem::status(first).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  set_keylog_file(pair.client.get(), second.string());
  pair.connect();
  CHECK(line_count(first) == after_first);
  CHECK(line_count(second) == after_first);

  set_keylog_file(pair.client.get(), "");
  CHECK(keylog_file(pair.client.get()).empty());
  pair.connect();
  CHECK(line_count(first) == after_first);
  CHECK(line_count(second) == after_first);
  std::filesystem::remove(first);
  std::filesystem::remove(second);
}

TEST_CASE("key log: make_tls_context takes $SSLKEYLOGFILE as it is then") {
  auto path = temp_file("env");
  ::setenv("SSLKEYLOGFILE", path.c_str(), 1);
  Pair pair;
  ::unsetenv("SSLKEYLOGFILE");  // later changes do not matter
  CHECK(keylog_file(pair.client.get()) == path.string());
  CHECK(keylog_file(pair.server.get()) == path.string());
  pair.connect();
  CHECK(line_count(path) >= 4);  // both ends log the same secrets
  std::filesystem::remove(path);
  CHECK(keylog_file_from_environment().empty());
}
