// The pure parts of swapping a running node's certificate (node_certificate.h,
// certificate_renewal.h): what a look at the files means, and how often a certificate is
// looked at for renewal.
#include <doctest/doctest.h>

#include "gateway/runtime/certificate_renewal.h"
#include "gateway/runtime/node_certificate.h"

using namespace p2psip;
using namespace p2psip::runtime;
using std::chrono::days;
using std::chrono::seconds;

TEST_CASE("compare_certificate_files: changed content swaps, unreadable files never do") {
  CHECK(compare_certificate_files("a", "a") == CertificateFiles::kUnchanged);
  CHECK(compare_certificate_files("a", "b") == CertificateFiles::kChanged);
  CHECK(compare_certificate_files("a", "") == CertificateFiles::kUnreadable);
  CHECK(compare_certificate_files("", "") == CertificateFiles::kUnreadable);
}

TEST_CASE("renewal_check_interval: a 32nd of the lifetime, between 1 s and the longest") {
  SysSeconds start{seconds{1'700'000'000}};
  Millis six_hours{6 * 3600 * 1000};
  // 365 days: every 6 hours (a 32nd would be 11 days).
  CHECK(renewal_check_interval(start, start + days{365}, six_hours) == six_hours);
  // 480 s (a 180 s test certificate and the 5-minute backdate): every 15 s, so the renewal
  // (due 320 s after notBefore) happens before 335 s.
  CHECK(renewal_check_interval(start, start + seconds{480}, six_hours) == Millis{15'000});
  CHECK(renewal_check_interval(start, start + seconds{10}, six_hours) == Millis{1000});
  CHECK(renewal_check_interval(start, start, six_hours) == Millis{1000});  // broken: still bounded
  CHECK(renewal_check_interval(start, start + days{365}, Millis{10}) == Millis{10});  // tests
}
