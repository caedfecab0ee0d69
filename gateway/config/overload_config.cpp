#include "gateway/config/overload_config.h"

#include <charconv>

namespace p2psip::config {

namespace {

unsigned long number(const std::string& text) {
  unsigned long n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);  // checked already
  return n;
}

KeySpec count_key(std::string name, std::string help, std::string fallback, unsigned long min,
                  unsigned long max) {
  return {std::move(name), std::move(help), {std::move(fallback)}, false,
          [min, max](const std::string& v) { return check_count(v, min, max); }};
}

}  // namespace

std::optional<std::string> check_count(const std::string& value, unsigned long min, unsigned long max) {
  unsigned long n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || n < min || n > max) {
    return "'" + value + "' is not a whole number from " + std::to_string(min) + " to " +
           std::to_string(max);
  }
  return std::nullopt;
}

Schema overload_keys() {
  return {
      count_key("sip_source_rate", "initial SIP requests per second one source address outside "
                "trusted_network may send (like Kamailio's pike); more are refused 503; 0: no "
                "per-source limit", "50", 0, 1'000'000),
      count_key("sip_source_burst", "requests a source may send at once above sip_source_rate",
                "100", 1, 1'000'000),
      count_key("overload_max_queue_delay_ms", "how long (ms) SIP requests may keep waiting in "
                "the UDP receive queue before the gateway starts refusing new requests with 503: "
                "the shortest wait of the requests read in each 100 ms (a burst that drains "
                "within it is served; a queue that stays is shed); 0: not used", "100", 0, 60'000),
      count_key("overload_max_udp_backlog_percent", "how full (percent of its buffer) the SIP "
                "UDP receive queue may get before the gateway starts refusing new requests with "
                "503; 0: not used", "50", 0, 100),
      count_key("overload_max_loop_lag_ms", "event-loop lag (ms) at which the gateway starts "
                "refusing new requests with 503 (the mean over the last 80 ms); 0: not used", "200", 0, 60'000),
      count_key("overload_max_transactions", "pending SIP transactions at which the gateway "
                "starts refusing new requests with 503; 0: not used", "5000", 0, 10'000'000),
      count_key("overload_max_lookups", "pending overlay lookups at which the gateway starts "
                "refusing new requests with 503; 0: not used", "200", 0, 10'000'000),
      count_key("sip_udp_receive_buffer", "bytes of receive buffer asked for the SIP UDP "
                "sockets; the kernel caps it at net.core.rmem_max (the gateway logs what it got). "
                "It is the headroom for bursts and scheduling stalls before "
                "overload_max_udp_backlog_percent sheds; 0: the kernel's default",
                "4194304", 0, 1u << 30),
      count_key("overload_retry_after", "Retry-After (seconds) of the 503 answering a refused "
                "request", "2", 1, 3600),
  };
}

OverloadConfig to_overload_config(const Settings& s) {
  OverloadConfig c;
  c.source_rate = static_cast<double>(number(s.get("sip_source_rate")));
  c.source_burst = static_cast<double>(number(s.get("sip_source_burst")));
  c.max_queue_delay_ms = static_cast<std::uint32_t>(number(s.get("overload_max_queue_delay_ms")));
  c.max_udp_backlog_percent = static_cast<std::uint32_t>(number(s.get("overload_max_udp_backlog_percent")));
  c.max_loop_lag_ms = static_cast<std::uint32_t>(number(s.get("overload_max_loop_lag_ms")));
  c.max_transactions = static_cast<std::uint32_t>(number(s.get("overload_max_transactions")));
  c.max_lookups = static_cast<std::uint32_t>(number(s.get("overload_max_lookups")));
  c.retry_after = static_cast<std::uint32_t>(number(s.get("overload_retry_after")));
  c.udp_receive_buffer = static_cast<std::uint32_t>(number(s.get("sip_udp_receive_buffer")));
  return c;
}

}  // namespace p2psip::config
