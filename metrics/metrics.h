#pragma once
// Every metric family of p2psip is defined in metrics.cpp, in one place. Modules get a typed
// struct by reference and increment pre-created series; nothing is looked up by name on the
// hot path, and no label takes an unbounded value (no AoRs, no Call-IDs).

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/router/route.h"

namespace p2psip::metrics {

// SIP request methods we count by name; anything else is counted as "other".
inline constexpr std::array<std::string_view, 14> kSipMethods = {
    "INVITE", "ACK",    "BYE",     "CANCEL", "OPTIONS", "REGISTER", "MESSAGE",
    "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "PRACK",   "UPDATE",   "REFER"};

class SipMetrics {
 public:
  explicit SipMetrics(prometheus::Registry& registry);
  void request_received(std::string_view method);
  void response_sent(int status);
  void response_received(int status);
  // A SIP TCP/TLS connection closed by the gateway's bounds (gateway/sip/tcp_limits.h):
  // reason 0 no complete request in time, 1 per-address cap, 2 total cap.
  void connection_closed(std::size_t reason);
  // A response matching no transaction (gateway/sip/stray_response.h): forwarded or dropped.
  void stray_response(bool forwarded);

 private:
  std::array<prometheus::Counter*, 3> connections_closed_{};
  std::array<prometheus::Counter*, 2> stray_responses_{};  // forwarded, dropped
  std::array<prometheus::Counter*, kSipMethods.size() + 1> requests_{};
  std::array<prometheus::Counter*, 6> responses_sent_{};
  std::array<prometheus::Counter*, 6> responses_received_{};
};

// The proxy and router (gateway/sip, gateway/router), labelled by router::Route: forwarded
// requests by the forwarding routes (overlay, static, dns, dialog); p2psip_gateway_routes_total
// by all of them, with local (answered by the gateway) and rejected.
enum class TransactionSide { kServer, kClient };
// Label values of p2psip_overlay_lookups_total.
enum class OverlayLookupResult { kFound, kNotFound, kUnreachable };

class GatewayMetrics {
 public:
  explicit GatewayMetrics(prometheus::Registry& registry);
  void request_forwarded(std::string_view method, router::Route route);  // forwarding routes only
  void routed(router::Route route);
  void transaction_started(TransactionSide side);
  void transaction_ended(TransactionSide side);
  void dns_fallback();
  void dns_fallback_failure();
  void call_setup(double seconds);  // INVITE received to first 2xx relayed
  void malformed();                  // requests answered 400 or dropped as unparsable
  void registered_phones(std::size_t bindings);     // plain phones' current bindings
  void static_registrations(std::size_t entries);   // configured static registrations
  void overlay_lookup(OverlayLookupResult result);   // one AoR lookup for a SIP request
  // A static registration was stored or refreshed in the overlay at `unix_seconds`. The
  // series exists from the first refresh on (no static registrations: no series, no alert).
  void static_registrations_refreshed(double unix_seconds);
  // A reload of the phones file and static registrations (SIGHUP): applied or refused.
  void config_reload(bool ok);

 private:
  std::array<std::array<prometheus::Counter*, router::kForwardingRoutes>, kSipMethods.size() + 1>
      forwarded_{};
  std::array<prometheus::Counter*, router::kRoutes> routes_{};
  std::array<prometheus::Gauge*, 2> transactions_{};
  prometheus::Counter* dns_fallbacks_ = nullptr;
  prometheus::Counter* dns_fallback_failures_ = nullptr;
  prometheus::Histogram* call_setup_ = nullptr;
  prometheus::Counter* malformed_ = nullptr;
  prometheus::Gauge* registered_phones_ = nullptr;
  prometheus::Gauge* static_registrations_ = nullptr;
  std::array<prometheus::Counter*, 3> overlay_lookups_{};
  prometheus::Family<prometheus::Gauge>* refresh_family_ = nullptr;
  prometheus::Gauge* refreshed_ = nullptr;
  std::array<prometheus::Counter*, 2> reloads_{};  // ok, refused
};

// Admission control at the SIP edge (gateway/sip/overload.h): initial requests refused with
// 503 by reason (overload: the global guard; source_limit: one source over its rate), whether
// the guard is shedding, and the event loop's lateness (one of the guard's signals).
enum class ShedReason { kOverload, kSourceLimit };

class OverloadMetrics {
 public:
  explicit OverloadMetrics(prometheus::Registry& registry);
  void shed(ShedReason reason);
  void shedding(bool on);
  void loop_lag(double seconds);

 private:
  std::array<prometheus::Counter*, 2> shed_{};
  prometheus::Gauge* shedding_ = nullptr;
  prometheus::Gauge* loop_lag_ = nullptr;
};

// Label values for p2psip_dns_queries_total.
enum class DnsQueryType { kNaptr, kSrv, kA, kAaaa };
enum class DnsQueryResult { kOk, kNxdomain, kNodata, kServfail, kTimeout, kError };

class DnsMetrics {
 public:
  explicit DnsMetrics(prometheus::Registry& registry);
  void query(DnsQueryType type, DnsQueryResult result);
  void cache_hit();
  void resolution(double seconds, bool ok);

 private:
  std::array<std::array<prometheus::Counter*, 6>, 4> queries_{};
  prometheus::Counter* cache_hits_ = nullptr;
  prometheus::Histogram* resolution_ok_ = nullptr;
  prometheus::Histogram* resolution_failed_ = nullptr;
};

// The overlay node. The node keeps plain totals (PeerCounters, LinkCounters); the runtime
// hands them over once a second and the struct adds the increase to each counter. Label
// values come from bounded sets (RELOAD message code names, link error reasons); past
// kMaxLabelValues distinct values everything is counted as "unknown".
enum class OverlayDirection { kIn, kOut };
// Answers the node dropped unused (RFC 6940 §6.3.4): transaction id unknown, or wrong sender.
enum class OverlayAnswerRefused { kUnmatched, kWrongSender };

class OverlayMetrics {
 public:
  static constexpr std::size_t kMaxLabelValues = 64;
  explicit OverlayMetrics(prometheus::Registry& registry);
  void routing_table_peers(std::size_t peers);
  void messages_total(std::string_view code, OverlayDirection direction, std::uint64_t total);
  void link_errors_total(std::string_view reason, std::uint64_t total);
  void answers_refused_total(OverlayAnswerRefused reason, std::uint64_t total);
  // Messages the node sent to itself and delivered without signing or verifying them, and
  // received messages dropped because 256 signature checks already waited for the verify
  // worker (totals).
  void in_process_messages_total(std::uint64_t total);
  void verify_queue_full_total(std::uint64_t total);
  // Storage (the node's own store): resources held per kind label (kinds missing from the
  // map drop to 0), and Store/Fetch requests it answered by result ("ok", "forbidden", ...).
  void stored_resources(const std::map<std::string, std::size_t, std::less<>>& by_kind);
  void store_total(std::string_view result, std::uint64_t total);
  void fetch_total(std::string_view result, std::uint64_t total);
  // One AoR lookup this process made (SIP usage client), answered or not.
  void lookup_duration(double seconds);
  // The notAfter of the node's certificate, seconds since the epoch (0: unknown).
  void certificate_expiry(double unix_seconds) { certificate_expiry_->Set(unix_seconds); }
  // The configuration document in use (RFC 6940 §11.1; sequence 0: none), refusals because of
  // its bad-node entries (link, message, data: totals), requests answered
  // Error_Config_Too_Old / _Too_New (totals).
  void configuration(std::uint16_t sequence, const std::array<std::uint64_t, 3>& bad_node_refusals,
                     std::uint64_t too_old, std::uint64_t too_new);

 private:
  struct Series {
    prometheus::Counter* counter = nullptr;
    std::uint64_t last = 0;
  };
  static void advance(Series& s, std::uint64_t total);
  Series& series(std::map<std::string, Series, std::less<>>& map,
                 prometheus::Family<prometheus::Counter>& family, std::string_view key,
                 const prometheus::Labels& labels);

  prometheus::Gauge* routing_table_peers_ = nullptr;
  prometheus::Family<prometheus::Counter>* messages_ = nullptr;
  prometheus::Family<prometheus::Counter>* link_errors_ = nullptr;
  std::map<std::string, Series, std::less<>> messages_in_, messages_out_, errors_;
  std::array<Series, 2> answers_refused_{};  // by OverlayAnswerRefused
  Series in_process_{}, verify_queue_full_{};
  prometheus::Family<prometheus::Gauge>* stored_resources_ = nullptr;
  prometheus::Family<prometheus::Counter>* stores_ = nullptr;
  prometheus::Family<prometheus::Counter>* fetches_ = nullptr;
  std::map<std::string, prometheus::Gauge*, std::less<>> stored_by_kind_;
  std::map<std::string, Series, std::less<>> store_results_, fetch_results_;
  prometheus::Histogram* lookup_duration_ = nullptr;
  prometheus::Gauge* certificate_expiry_ = nullptr;
  prometheus::Gauge* configuration_sequence_ = nullptr;
  std::array<Series, 3> bad_node_refusals_{};
  std::array<Series, 2> config_sequence_errors_{};
};

// The metrics port itself (metrics/http_server.h): connections it closed before answering.
enum class HttpClose { kEvicted, kHeadTimeout, kWriteTimeout };

class HttpMetrics {
 public:
  explicit HttpMetrics(prometheus::Registry& registry);
  void closed(HttpClose why);
  void open_connections(std::size_t n);

 private:
  std::array<prometheus::Counter*, 3> closed_{};
  prometheus::Gauge* open_ = nullptr;
};

// The enrollment server (p2psip enroll-server, RFC 6940 §11). Refusal reasons are a fixed set
// (kEnrollRefusals); anything else counts as "other".
inline constexpr std::array<std::string_view, 6> kEnrollRefusals = {
    "failed_authentication", "locked_out", "username_not_available", "Node-IDs_not_available",
    "bad_CSR", "bad_request"};

class EnrollMetrics {
 public:
  explicit EnrollMetrics(prometheus::Registry& registry);
  void document_served() { documents_->Increment(); }
  void enrolled() { enrollments_->Increment(); }
  void refused(std::string_view reason);
  void connection_evicted() { evicted_->Increment(); }
  // A gateway's phones at its start (gateway/runtime/phone_refusals.h).
  void phones(std::uint64_t enrolled, std::uint64_t refused, std::uint64_t deferred, std::uint64_t failed);
  // A phone's certificate renewed while the gateway runs (gateway/runtime/phone_renewal.h).
  void phone_renewed() { phones_[4]->Increment(); }

 private:
  std::array<prometheus::Counter*, 5> phones_{};
  prometheus::Counter* documents_ = nullptr;
  prometheus::Counter* enrollments_ = nullptr;
  prometheus::Counter* evicted_ = nullptr;
  std::array<prometheus::Counter*, kEnrollRefusals.size() + 1> refusals_{};
};

// The registry plus every module's struct. One per process, owned by main and handed down.
// The proxy's short cache of overlay lookups (gateway/router/lookup_cache.h): answers served
// from it (hit) or not (miss), entries dropped by reason (expired, evicted, invalidated), and
// entries held. Defined in lookup_cache_metrics.cpp.
class LookupCacheMetrics {
 public:
  explicit LookupCacheMetrics(prometheus::Registry& registry);
  void add(std::uint64_t hits, std::uint64_t misses, std::uint64_t expired, std::uint64_t evicted,
           std::uint64_t invalidated);
  void entries(std::size_t n);

 private:
  prometheus::Counter* hits_ = nullptr;
  prometheus::Counter* misses_ = nullptr;
  std::array<prometheus::Counter*, 3> dropped_{};
  prometheus::Gauge* entries_ = nullptr;
};

class Metrics {
  // Declared first: constructed before the module structs that register into it.
  std::shared_ptr<prometheus::Registry> registry_;

 public:
  explicit Metrics(std::string_view version);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }
  // The text exposition format of everything registered, process_* included.
  std::string serialize() const;

  SipMetrics sip;
  GatewayMetrics gateway;
  OverloadMetrics overload;
  DnsMetrics dns;
  OverlayMetrics overlay;
  HttpMetrics http;
  EnrollMetrics enroll;
  LookupCacheMetrics lookup_cache;

 private:
  std::shared_ptr<prometheus::Collectable> process_;
};

}  // namespace p2psip::metrics
