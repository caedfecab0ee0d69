#include <doctest/doctest.h>

#include <chrono>

#include "common/log_fields.h"
#include "gateway/runtime/log_format.h"

using namespace p2psip;
using namespace p2psip::runtime;

namespace {

// 2026-12-06T13:40:21.123Z
const auto kWhen = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796564421123));

std::string line(LogFormat f, std::string_view payload, std::string_view level = "info") {
  return format_line(f, {kWhen, level, "sip", payload});
}

const std::string kEvent = log_event("route", {{"call_id", "a84b@pc33"}, {"route", "dns"},
                                               {"target", "sip:carol@example.net"},
                                               {"why", "no \"open\" relay"}});

}  // namespace

TEST_CASE("log_format names") {
  CHECK(parse_log_format("text") == LogFormat::kText);
  CHECK(parse_log_format("logfmt") == LogFormat::kLogfmt);
  CHECK(parse_log_format("json") == LogFormat::kJson);
  CHECK_FALSE(parse_log_format("JSON"));
  CHECK_FALSE(parse_log_format(""));
}

TEST_CASE("logfmt: time, level, component, msg, then the fields; values with spaces quoted") {
  CHECK(line(LogFormat::kLogfmt, kEvent) ==
        "time=2026-12-06T13:40:21.123Z level=info component=sip msg=route call_id=a84b@pc33 "
        "route=dns target=sip:carol@example.net why=\"no \\\"open\\\" relay\"\n");
  CHECK(line(LogFormat::kLogfmt, "proxy on 127.0.0.1:5060", "warning") ==
        "time=2026-12-06T13:40:21.123Z level=warning component=sip msg=\"proxy on 127.0.0.1:5060\"\n");
}

TEST_CASE("json: one object a line, fields as members") {
  CHECK(line(LogFormat::kJson, kEvent) ==
        "{\"time\":\"2026-12-06T13:40:21.123Z\",\"level\":\"info\",\"component\":\"sip\","
        "\"msg\":\"route\",\"call_id\":\"a84b@pc33\",\"route\":\"dns\","
        "\"target\":\"sip:carol@example.net\",\"why\":\"no \\\"open\\\" relay\"}\n");
}

TEST_CASE("text: the historical layout, fields appended as key=value") {
  std::string t = line(LogFormat::kText, kEvent);
  CHECK(t.find(" info  [sip] route call_id=a84b@pc33 route=dns target=sip:carol@example.net "
               "why=\"no \\\"open\\\" relay\"\n") != std::string::npos);
  CHECK(t.rfind("2026-12-0", 0) == 0);  // local time: the day depends on the zone
  CHECK(line(LogFormat::kText, "stopped cleanly").find(" [sip] stopped cleanly\n") != std::string::npos);
}

TEST_CASE("a value from the network cannot start a line, add a field or break the JSON") {
  std::string hostile = "x\nfake=1 \x1fgot=in\x1e\xff\xc0\xaf";
  std::string event = log_event("route", {{"call_id", hostile}});
  CHECK(parse_log_event(event).fields.size() == 1);  // the field mark was defused
  for (auto f : {LogFormat::kText, LogFormat::kLogfmt, LogFormat::kJson}) {
    std::string l = line(f, event);
    CHECK(l.find('\n') == l.size() - 1);  // one line, whatever the value holds
    CHECK(l.find_first_of("\x1e\x1f") == std::string::npos);
  }
  CHECK(line(LogFormat::kJson, event).find(
            "\"call_id\":\"x\\nfake=1 ?got=in?\\ufffd\\ufffd\\ufffd\"") != std::string::npos);
  // A plain message (not an event) with a mark inside stays one message.
  CHECK(line(LogFormat::kLogfmt, "a\x1f" "b=c").find("msg=\"a\\u001fb=c\"\n") != std::string::npos);
}

TEST_CASE("json keeps valid UTF-8 as it is") {
  CHECK(line(LogFormat::kJson, "caf\xc3\xa9").find("\"msg\":\"caf\xc3\xa9\"") != std::string::npos);
}

TEST_CASE("log_event round trip") {
  auto e = parse_log_event(kEvent);
  CHECK(e.message == "route");
  REQUIRE(e.fields.size() == 4);
  CHECK(e.fields[0].first == "call_id");
  CHECK(e.fields[3].second == "no \"open\" relay");
  CHECK(parse_log_event("plain").fields.empty());
}
