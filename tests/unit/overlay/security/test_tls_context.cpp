#include <doctest/doctest.h>

#include <openssl/err.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "overlay/security/keylog.h"
#include "overlay/security/tls_context.h"
#include "test_support.h"

using namespace p2psip::security;
using namespace p2psip::security::test;

TEST_CASE("TLS context: mutual authentication against the overlay root, key log") {
  auto alice = rsa_ca().issue({kUser, {node_id(1)}, KeyType::ec_p256, 30},
                              std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  auto bob = rsa_ca().issue({"bob@p2p.example.com", {node_id(2)}, KeyType::rsa2048, 30},
                            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  REQUIRE(alice.has_value());
  REQUIRE(bob.has_value());

  auto keylog = std::filesystem::temp_directory_path() / ("p2p-keylog-" + std::to_string(::getpid()));
  ::setenv("SSLKEYLOGFILE", keylog.c_str(), 1);
  auto client_ctx = make_tls_context(alice->certificate, alice->key, rsa_ca().root());
  auto server_ctx = make_tls_context(bob->certificate, bob->key, rsa_ca().root());
  REQUIRE_MESSAGE(client_ctx.has_value(), client_ctx.error());
  REQUIRE(server_ctx.has_value());

  ::unsetenv("SSLKEYLOGFILE");  // captured when the contexts were made
  CHECK(keylog_file(client_ctx->get()) == keylog.string());

  SslPtr client, server;
  bool done = handshake(client_ctx->get(), server_ctx->get(), client, server);
  REQUIRE(done);
  CHECK(SSL_version(client.get()) >= TLS1_2_VERSION);
  auto seen_by_client = peer_certificate(client.get(), kOverlay);
  REQUIRE_MESSAGE(seen_by_client.has_value(), seen_by_client.error());
  CHECK(seen_by_client->user() == "bob@p2p.example.com");
  auto seen_by_server = peer_certificate(server.get(), kOverlay);
  REQUIRE(seen_by_server.has_value());
  CHECK(seen_by_server->node_ids().at(0) == node_id(1));

  std::ifstream log(keylog);
  std::string first;
  std::getline(log, first);
  CHECK(!first.empty());
  std::filesystem::remove(keylog);

  // A peer from another CA is refused.
  auto mallory = other_ca().issue({"mallory@p2p.example.com", {node_id(3)}, KeyType::ec_p256, 30},
                                  std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  REQUIRE(mallory.has_value());
  auto mallory_ctx = make_tls_context(mallory->certificate, mallory->key, other_ca().root());
  REQUIRE(mallory_ctx.has_value());
  SslPtr c2, s2;
  CHECK_FALSE(handshake(mallory_ctx->get(), server_ctx->get(), c2, s2));

  // Certificate and key must belong together.
  CHECK_FALSE(make_tls_context(alice->certificate, bob->key, rsa_ca().root()).has_value());
}
