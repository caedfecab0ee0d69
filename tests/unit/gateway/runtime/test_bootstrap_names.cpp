// The wait between rounds of bootstrap name lookups, and which hosts need no lookup.
#include <doctest/doctest.h>

#include "gateway/runtime/bootstrap_names.h"

namespace p2psip::runtime {

TEST_CASE("bootstrap lookups are retried after 1 s, doubling up to 30 s") {
  using std::chrono::milliseconds;
  CHECK(bootstrap_retry_delay(1) == milliseconds(1000));
  CHECK(bootstrap_retry_delay(2) == milliseconds(2000));
  CHECK(bootstrap_retry_delay(3) == milliseconds(4000));
  CHECK(bootstrap_retry_delay(5) == milliseconds(16000));
  CHECK(bootstrap_retry_delay(6) == milliseconds(30000));
  CHECK(bootstrap_retry_delay(1000) == milliseconds(30000));
  CHECK(bootstrap_retry_delay(0) == milliseconds(1000));
}

TEST_CASE("IP literals need no lookup; names do") {
  CHECK(is_ip_literal("172.30.235.21"));
  CHECK(is_ip_literal("fd00::21"));
  CHECK_FALSE(is_ip_literal("peer1"));
  CHECK_FALSE(is_ip_literal("p2psip-peer1.p2psip.svc.cluster.local"));
  CHECK_FALSE(is_ip_literal("[fd00::21]"));
  CHECK_FALSE(is_ip_literal(""));
}

}  // namespace p2psip::runtime
