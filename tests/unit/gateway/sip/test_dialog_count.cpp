#include <doctest/doctest.h>

#include <string>

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

using p2psip::Millis;
using p2psip::sip::CallAges;

TEST_CASE("a counted call whose BYE never comes stops holding the drain after max_idle") {
  CallAges calls(Millis{60'000});
  calls.changed("a", 1, Millis{0});
  calls.changed("b", 1, Millis{30'000});
  CHECK(calls.live(Millis{59'000}) == 2);
  CHECK(calls.live(Millis{60'000}) == 2);  // exactly max_idle: still counted
  CHECK(calls.live(Millis{60'001}) == 1);  // a: quiet too long, taken as gone
  CHECK(calls.live(Millis{90'001}) == 0);
  calls.changed("a", -1, Millis{90'002});  // its late BYE: nothing left to end
  CHECK(calls.live(Millis{90'002}) == 0);
}

TEST_CASE("an in-dialog request keeps a call alive; a BYE ends only its own call") {
  CallAges calls(Millis{60'000});
  calls.changed("a", 1, Millis{0});
  calls.changed("b", 1, Millis{0});
  calls.seen("a", Millis{50'000});    // a re-INVITE / session refresh of a
  calls.seen("zzz", Millis{50'000});  // not a counted call: ignored
  CHECK(calls.live(Millis{100'000}) == 1);  // b gone, a seen 50 s ago
  calls.changed("b", -1, Millis{100'000});  // b's BYE after it was dropped: a stays
  CHECK(calls.live(Millis{100'000}) == 1);
  calls.changed("a", -1, Millis{100'000});
  CHECK(calls.live(Millis{100'000}) == 0);
  calls.changed("unknown", -1, Millis{100'000});
  CHECK(calls.live(Millis{100'000}) == 0);
}

TEST_CASE("a forked INVITE's two 2xx are two dialogs of one Call-ID") {
  CallAges calls(Millis{60'000});
  calls.changed("f", 1, Millis{0});
  calls.changed("f", 1, Millis{0});
  CHECK(calls.live(Millis{1}) == 2);
  calls.changed("f", -1, Millis{2});
  CHECK(calls.live(Millis{2}) == 1);
  calls.changed("f", -1, Millis{3});
  CHECK(calls.live(Millis{3}) == 0);
}

TEST_CASE("the table is bounded: beyond max_calls new calls are not counted, quiet ones make room") {
  CallAges calls(Millis{60'000}, 2);
  calls.changed("a", 1, Millis{0});
  calls.changed("b", 1, Millis{10'000});
  calls.changed("c", 1, Millis{20'000});  // full: not counted
  CHECK(calls.not_counted() == 1);
  CHECK(calls.live(Millis{20'000}) == 2);
  calls.changed("d", 1, Millis{65'000});  // a is quiet too long: pruned, d fits
  CHECK(calls.not_counted() == 1);
  CHECK(calls.live(Millis{65'000}) == 2);
}

TEST_CASE("the default max idle is two hours") {
  CallAges calls;
  calls.changed("a", 1, Millis{0});
  CHECK(calls.live(Millis{2LL * 3600 * 1000}) == 1);
  CHECK(calls.live(Millis{2LL * 3600 * 1000 + 1}) == 0);
}

TEST_CASE("stale calls are dropped as new ones come, not only when the drain asks") {
  CallAges calls(Millis{60'000});
  calls.changed("stale", 1, Millis{0});
  for (int i = 0; i < 1100; ++i) {  // more than one pruning period of new calls, then BYEs
    std::string id = "c" + std::to_string(i);
    calls.changed(id, 1, Millis{100'000});
    calls.changed(id, -1, Millis{100'000});
  }
  CHECK(calls.tracked() == 0);  // "stale" went with a pruning pass
}
