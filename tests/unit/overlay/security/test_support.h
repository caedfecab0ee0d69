#pragma once
// Shared fixtures for the security tests: one RSA and one EC CA per process (key generation
// is the slow part), a fixed "now", and a builder for deliberately malformed certificates.

#include <string>
#include <utility>
#include <vector>

#include "overlay/security/ca.h"
#include "overlay/security/tls_context.h"

namespace p2psip::security::test {

inline const SysSeconds kNow{std::chrono::seconds{1'700'000'000}};  // 2023-11-14
inline constexpr const char* kOverlay = "p2p.example.com";
inline constexpr const char* kUser = "alice@p2p.example.com";

const CertificateAuthority& rsa_ca();
const CertificateAuthority& ec_ca();
const CertificateAuthority& other_ca();  // another overlay root, same overlay name

NodeId node_id(unsigned char fill);

// A certificate signed by `ca` with exactly these subjectAltName entries (GEN_URI, GEN_EMAIL,
// GEN_DNS ...), for tests that need what the CA refuses to issue.
struct CertSpec {
  std::vector<std::pair<int, std::string>> san;
  bool san_critical = true;
  std::string subject_cn;  // empty: empty subject
  bool is_ca = false;
  bool no_san = false;
  bool ed25519_key = false;          // a key type RELOAD peers here do not use
  bool duplicate_extension = false;  // basicConstraints twice
};
inline CertSpec with_san(std::vector<std::pair<int, std::string>> san) {
  CertSpec spec;
  spec.san = std::move(san);
  return spec;
}

Bytes build_cert(const CertificateAuthority& ca, const CertSpec& spec);

// A client and a server SSL joined by an in-memory BIO pair; true when both finish the
// handshake.
bool handshake(SSL_CTX* client_ctx, SSL_CTX* server_ctx, SslPtr& client, SslPtr& server);

}  // namespace p2psip::security::test
