#include <doctest/doctest.h>

#include "gateway/registrar/digest.h"

using namespace p2psip::registrar;
using p2psip::Millis;

TEST_CASE("RFC 7616 §3.9.1 example: MD5 and SHA-256") {
  DigestInput in{"Mufasa", "http-auth@example.org", "Circle of Life", "GET", "/dir/index.html",
                 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth"};
  CHECK(digest_response(DigestAlgorithm::kMd5, in) == "8ca523f5e9506fed4657c9700eebdbec");
  CHECK(digest_response(DigestAlgorithm::kSha256, in) ==
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST_CASE("RFC 2617 §3.5 example (MD5, qop=auth)") {
  DigestInput in{"Mufasa", "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
                 "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth"};
  CHECK(digest_response(DigestAlgorithm::kMd5, in) == "6629fae49393a05397450978507c4ef1");
}

TEST_CASE("RFC 2069 form without qop") {
  // RFC 2069 §2.4's example: its printed response is wrong (a known erratum); this is the
  // value the formula gives, cross-checked with: printf ... | md5sum.
  DigestInput in{"Mufasa", "testrealm@host.com", "CircleOfLife", "GET", "/dir/index.html",
                 "dcd98b7102dd2f0e8b11d0f600bfb0c093", "", "", ""};
  std::string ha1 = digest_hex(DigestAlgorithm::kMd5, "Mufasa:testrealm@host.com:CircleOfLife");
  std::string ha2 = digest_hex(DigestAlgorithm::kMd5, "GET:/dir/index.html");
  CHECK(digest_response(DigestAlgorithm::kMd5, in) ==
        digest_hex(DigestAlgorithm::kMd5, ha1 + ":dcd98b7102dd2f0e8b11d0f600bfb0c093:" + ha2));
}

TEST_CASE("hash helpers") {
  CHECK(digest_hex(DigestAlgorithm::kMd5, "") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(digest_hex(DigestAlgorithm::kSha256, "abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(parse_algorithm("") == DigestAlgorithm::kMd5);
  CHECK(parse_algorithm("md5") == DigestAlgorithm::kMd5);
  CHECK(parse_algorithm("sha-256") == DigestAlgorithm::kSha256);
  CHECK_FALSE(parse_algorithm("MD5-sess").has_value());
  CHECK_FALSE(parse_algorithm("SHA-512-256").has_value());
  CHECK(responses_equal("ABCdef", "abcDEF"));
  CHECK_FALSE(responses_equal("abc", "abd"));
  CHECK_FALSE(responses_equal("abc", "abcd"));
  CHECK_FALSE(responses_equal("", ""));
}

TEST_CASE("nonces: valid, stale after the lifetime, invalid when forged") {
  NonceIssuer issuer("secret-1", "p2p.example.com", Millis{60'000});
  std::string n = issuer.issue(Millis{1'000'000});
  CHECK(n.size() == 64);
  CHECK(issuer.check(n, Millis{1'000'000}) == NonceState::kValid);
  CHECK(issuer.check(n, Millis{1'060'000}) == NonceState::kValid);
  CHECK(issuer.check(n, Millis{1'060'001}) == NonceState::kStale);
  // Issued "in the future": another host's clock, a little ahead, is tolerated; far ahead is
  // no nonce of ours.
  CHECK(issuer.check(n, Millis{1'000'000} - NonceIssuer::kMaxClockSkew) == NonceState::kValid);
  CHECK(issuer.check(n, Millis{999'999} - NonceIssuer::kMaxClockSkew) == NonceState::kInvalid);
  // Another gateway of the site with the same secret and realm verifies it.
  CHECK(NonceIssuer("secret-1", "p2p.example.com").check(n, Millis{1'000'500}) == NonceState::kValid);

  NonceIssuer other_secret("secret-2", "p2p.example.com");
  NonceIssuer other_realm("secret-1", "other.example");
  CHECK(other_secret.check(n, Millis{1'000'000}) == NonceState::kInvalid);
  CHECK(other_realm.check(n, Millis{1'000'000}) == NonceState::kInvalid);

  std::string tampered = n;
  tampered[15] = tampered[15] == '0' ? '1' : '0';  // move the timestamp
  CHECK(issuer.check(tampered, Millis{1'000'000}) == NonceState::kInvalid);
  for (const char* bad : {"", "zz", "0123456789abcdef", "0123456789abcdefXYZ"}) {
    CHECK(issuer.check(bad, Millis{1'000'000}) == NonceState::kInvalid);
  }
  CHECK(issuer.issue(Millis{1}) != issuer.issue(Millis{2}));
  // Two challenges in the same millisecond differ (two phones, one nonce: the second phone's
  // nc=1 was taken for a replay), and both verify.
  std::string a = issuer.issue(Millis{5'000}), b = issuer.issue(Millis{5'000});
  CHECK(a != b);
  CHECK(issuer.check(a, Millis{5'000}) == NonceState::kValid);
  CHECK(issuer.check(b, Millis{5'000}) == NonceState::kValid);
  std::string salted = a;
  salted[20] = salted[20] == '0' ? '1' : '0';  // the random part is authenticated too
  CHECK(issuer.check(salted, Millis{5'000}) == NonceState::kInvalid);
}
