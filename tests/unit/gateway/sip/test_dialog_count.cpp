#include <doctest/doctest.h>

#include "gateway/sip/dialog_count.h"

using p2psip::sip::dialog_delta;

TEST_CASE("a 2xx to an initial INVITE through the Record-Route starts a call") {
  CHECK(dialog_delta("INVITE", true, 200, true) == 1);
  CHECK(dialog_delta("INVITE", true, 202, true) == 1);
  CHECK(dialog_delta("INVITE", false, 200, true) == 0);  // a re-INVITE: the same dialog
  CHECK(dialog_delta("INVITE", true, 180, true) == 0);
  CHECK(dialog_delta("INVITE", true, 486, true) == 0);
  CHECK(dialog_delta("INVITE", true, 200, false) == 0);  // no Record-Route: not through us
}

TEST_CASE("any final response to a BYE ends it; other requests change nothing") {
  CHECK(dialog_delta("BYE", false, 200, true) == -1);
  CHECK(dialog_delta("BYE", false, 481, true) == -1);
  CHECK(dialog_delta("BYE", false, 408, true) == -1);
  CHECK(dialog_delta("BYE", false, 100, true) == 0);
  CHECK(dialog_delta("BYE", false, 200, false) == 0);
  CHECK(dialog_delta("MESSAGE", true, 200, true) == 0);
  CHECK(dialog_delta("OPTIONS", true, 200, true) == 0);
}
