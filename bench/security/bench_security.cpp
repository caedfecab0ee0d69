// Sign and verify throughput for RSA-2048 (rsa+sha256) and ECDSA P-256 (ecdsa+sha256) over a
// 512-byte message, and the cost of parsing a peer certificate and verifying its chain.
// Compare with `openssl speed rsa2048 ecdsap256` on the same machine (bench/RESULTS-security.md).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "overlay/security/ca.h"
#include "overlay/security/signature.h"
#include "overlay/security/x509_parse.h"

namespace sec = p2psip::security;
using Clock = std::chrono::steady_clock;

namespace {

// Runs fn repeatedly for about `seconds`; prints and returns ops/s.
double measure(const char* name, double seconds, const std::function<bool()>& fn) {
  for (int i = 0; i < 20; ++i) {
    if (!fn()) {
      std::fprintf(stderr, "%s: operation failed\n", name);
      std::exit(1);
    }
  }
  long ops = 0;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    for (int i = 0; i < 10; ++i) {
      if (!fn()) std::exit(1);
    }
    ops += 10;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double rate = static_cast<double>(ops) / elapsed;
  std::printf("%-34s %10.0f ops/s %10.1f us/op  (%ld ops)\n", name, rate, 1e6 / rate, ops);
  return rate;
}

template <class T>
T must(p2psip::Expected<T, std::string> e, const char* what) {
  if (!e) {
    std::fprintf(stderr, "%s: %s\n", what, e.error().c_str());
    std::exit(1);
  }
  return std::move(e).value();
}

void bench_key(const sec::CertificateAuthority& ca, sec::KeyType type, double secs) {
  const sec::SysSeconds now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto id = must(sec::random_node_id(), "node id");
  auto issued = must(ca.issue({"alice@p2p.example.com", {id}, type, 30}, now), "issue");
  auto alg = sec::default_algorithm(type);
  p2psip::Bytes msg(512, std::byte{0x5a});
  auto sig = must(sec::sign(issued.key, alg, msg), "sign");
  std::string label = type == sec::KeyType::rsa2048 ? "RSA-2048 PKCS1v1.5 SHA-256" : "ECDSA P-256 SHA-256";
  measure((label + " sign").c_str(), secs, [&] { return sec::sign(issued.key, alg, msg).has_value(); });
  measure((label + " verify").c_str(), secs,
          [&] { return sec::verify(issued.certificate, alg, msg, sig).has_value(); });
  p2psip::Bytes der(issued.certificate.der().begin(), issued.certificate.der().end());
  // The anchor: OpenSSL's own d2i_X509, against the decoding Certificate::from_der uses.
  std::string kind(sec::key_type_name(type));
  measure((kind + " d2i_X509 (OpenSSL, anchor)").c_str(), secs, [&] {
    auto* p = reinterpret_cast<const unsigned char*>(der.data());
    sec::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    return x != nullptr && X509_get0_pubkey(x.get()) != nullptr;
  });
  measure((kind + " decode_x509 (x509_parse.h)").c_str(), secs, [&] {
    std::size_t used = 0;
    sec::X509Ptr x = sec::decode_x509(der, &used);
    return x != nullptr && X509_get0_pubkey(x.get()) != nullptr;
  });
  std::string parse = kind + " cert parse";
  measure(parse.c_str(), secs, [&] { return sec::Certificate::from_der(der, "p2p.example.com").has_value(); });
  auto parsed = must(sec::Certificate::from_der(der, "p2p.example.com"), "parse");
  measure((kind + " chain verify (parsed once)").c_str(), secs,
          [&] { return parsed.verify_chain(ca.root(), now).has_value(); });
  measure((label + " verify, key of a parsed cert").c_str(), secs,
          [&] { return sec::verify(parsed, alg, msg, sig).has_value(); });
  std::string chain = parse + "+chain verify";
  measure(chain.c_str(), secs, [&] {
    auto c = sec::Certificate::from_der(der, "p2p.example.com");
    return c && c->verify_chain(ca.root(), now).has_value();
  });
}

}  // namespace

int main(int argc, char** argv) {
  double secs = argc > 1 ? std::atof(argv[1]) : 3.0;
  const sec::SysSeconds now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  // Each CA signs certificates of its own key type, so chain verification costs one
  // signature verification of that algorithm.
  auto rsa_ca = must(sec::CertificateAuthority::create("p2p.example.com", sec::KeyType::rsa2048, 30, now), "ca");
  auto ec_ca = must(sec::CertificateAuthority::create("p2p.example.com", sec::KeyType::ec_p256, 30, now), "ca");
  std::printf("OpenSSL %s, %.1f s per case, 512-byte message\n", OpenSSL_version(OPENSSL_VERSION), secs);
  bench_key(rsa_ca, sec::KeyType::rsa2048, secs);
  bench_key(ec_ca, sec::KeyType::ec_p256, secs);
  return 0;
}
