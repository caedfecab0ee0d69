#include <doctest/doctest.h>

#include "gateway/runtime/sofia_log.h"

using p2psip::runtime::LineAssembler;
using Lines = std::vector<std::string>;

TEST_CASE("Sofia's pieces become whole lines") {
  LineAssembler a;
  CHECK(a.add("nta: Via check: ").empty());
  CHECK(a.add("extra received=127.0.0.1\nsecond") == Lines{"nta: Via check: extra received=127.0.0.1"});
  CHECK(a.add(" line\n\n") == Lines{"second line", ""});
}

TEST_CASE("a piece without a newline cannot grow the buffer without bound") {
  LineAssembler a;
  auto lines = a.add(std::string(LineAssembler::kMaxLine * 2 + 5, 'x'));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].size() == LineAssembler::kMaxLine);
  CHECK(a.add("\n") == Lines{"xxxxx"});
}
