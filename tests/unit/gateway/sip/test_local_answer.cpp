#include <doctest/doctest.h>

#include <string>

#include "gateway/sip/local_answer.h"

using p2psip::sip::local_answer;

TEST_CASE("OPTIONS to the gateway itself is the health probe: 200") {
  CHECK(local_answer("OPTIONS", true).status == 200);
}

TEST_CASE("requests for users have no route yet: 404") {
  CHECK(local_answer("INVITE", false).status == 404);
  CHECK(local_answer("OPTIONS", false).status == 404);
  CHECK(local_answer("MESSAGE", false).status == 404);
}

TEST_CASE("other requests to the gateway itself: 501") {
  CHECK(local_answer("INVITE", true).status == 501);
  CHECK(local_answer("REGISTER", true).status == 501);
  CHECK(std::string(local_answer("REGISTER", true).phrase) == "Not Implemented");
}

TEST_CASE("ACK is never answered; a stray CANCEL gets 481") {
  CHECK(local_answer("ACK", true).status == 0);
  CHECK(local_answer("ACK", false).status == 0);
  CHECK(local_answer("CANCEL", false).status == 481);
}

TEST_CASE("OPTIONS to the gateway follows readiness: 503 with Retry-After when not ready") {
  auto a = local_answer("OPTIONS", true, false);
  CHECK(a.status == 503);
  CHECK(a.retry_after == p2psip::sip::kNotReadyRetryAfterS);
  CHECK(a.retry_after > 0);
  CHECK(local_answer("OPTIONS", true, true).retry_after == 0);
  // Readiness concerns the probe only: other answers stay as they are.
  CHECK(local_answer("INVITE", true, false).status == 501);
  CHECK(local_answer("OPTIONS", false, false).status == 404);
  CHECK(local_answer("ACK", true, false).status == 0);
}

TEST_CASE("draining: new out-of-dialog requests get 503 with Retry-After, dialogs go on") {
  using p2psip::sip::drain_answer;
  CHECK(drain_answer("INVITE", false, true).status == 503);
  CHECK(drain_answer("INVITE", false, true).retry_after > 0);
  CHECK(drain_answer("MESSAGE", false, true).status == 503);
  CHECK(drain_answer("REGISTER", false, true).status == 503);
  CHECK(drain_answer("OPTIONS", false, true).status == 503);
  CHECK(drain_answer("BYE", true, true).status == 0);
  CHECK(drain_answer("INVITE", true, true).status == 0);  // a re-INVITE
  CHECK(drain_answer("ACK", false, true).status == 0);
  CHECK(drain_answer("CANCEL", false, true).status == 0);
  CHECK(drain_answer("INVITE", false, false).status == 0);  // not draining
}
