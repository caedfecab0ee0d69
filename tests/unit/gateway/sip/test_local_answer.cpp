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
