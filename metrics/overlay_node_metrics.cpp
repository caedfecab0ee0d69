// OverlayMetrics (metrics.h): the overlay node's counters and gauges, split from metrics.cpp.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "metrics/metrics.h"

namespace p2psip::metrics {

OverlayMetrics::OverlayMetrics(prometheus::Registry& registry) {
  routing_table_peers_ = &prometheus::BuildGauge()
                              .Name("p2psip_overlay_routing_table_peers")
                              .Help("Peers in the overlay routing table (neighbours and fingers)")
                              .Register(registry)
                              .Add({});
  messages_ = &prometheus::BuildCounter()
                   .Name("p2psip_overlay_messages_total")
                   .Help("RELOAD messages received by (in) or sent from (out) this node, by "
                         "message code name")
                   .Register(registry);
  link_errors_ = &prometheus::BuildCounter()
                      .Name("p2psip_overlay_link_errors_total")
                      .Help("Overlay links that failed or were refused, by reason")
                      .Register(registry);
  auto& refused = prometheus::BuildCounter()
                      .Name("p2psip_overlay_answers_refused_total")
                      .Help("RELOAD answers dropped unused: no request of ours has their "
                            "transaction id (unmatched), or the sender may not answer it "
                            "(wrong_sender, RFC 6940 section 6.3.4)")
                      .Register(registry);
  answers_refused_ = {Series{&refused.Add({{"reason", "unmatched"}}), 0},
                      Series{&refused.Add({{"reason", "wrong_sender"}}), 0}};
  in_process_.counter = &prometheus::BuildCounter()
                             .Name("p2psip_overlay_in_process_messages_total")
                             .Help("RELOAD messages this node sent to itself, delivered without "
                                   "signing or verifying them (they never left the process)")
                             .Register(registry)
                             .Add({});
  verify_queue_full_.counter =
      &prometheus::BuildCounter()
           .Name("p2psip_overlay_verify_queue_full_total")
           .Help("Received RELOAD messages dropped unverified because 256 signature checks "
                 "already waited for the verify thread; the sender's retransmission (RFC 6940 "
                 "section 6.2.1) recovers a dropped one")
           .Register(registry)
           .Add({});
  stored_resources_ = &prometheus::BuildGauge()
                           .Name("p2psip_overlay_stored_resources")
                           .Help("Resources this node stores (responsible and replica), by kind")
                           .Register(registry);
  stores_ = &prometheus::BuildCounter()
                 .Name("p2psip_overlay_store_total")
                 .Help("Store requests this node answered, by result (ok or the RELOAD error)")
                 .Register(registry);
  fetches_ = &prometheus::BuildCounter()
                  .Name("p2psip_overlay_fetch_total")
                  .Help("Fetch requests this node answered, by result (ok or the RELOAD error)")
                  .Register(registry);
  stored_by_kind_["sip_registration"] = &stored_resources_->Add({{"kind", "sip_registration"}});
  series(store_results_, *stores_, "ok", {{"result", "ok"}});
  series(fetch_results_, *fetches_, "ok", {{"result", "ok"}});
  lookup_duration_ = &prometheus::BuildHistogram()
                          .Name("p2psip_overlay_lookup_duration_seconds")
                          .Help("Time of one AoR lookup in the overlay (fetches and indirections)")
                          .Register(registry)
                          .Add({}, prometheus::Histogram::BucketBoundaries{
                                       0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                       0.5, 1, 2.5, 5, 10, 30});
  certificate_expiry_ = &prometheus::BuildGauge()
                             .Name("p2psip_certificate_expiry_timestamp_seconds")
                             .Help("When the node's overlay certificate expires (notAfter), "
                                   "seconds since the epoch")
                             .Register(registry)
                             .Add({});
  configuration_sequence_ = &prometheus::BuildGauge()
                                 .Name("p2psip_overlay_configuration_sequence")
                                 .Help("Sequence of the configuration document in use (RFC 6940 "
                                       "§11.1); 0: none")
                                 .Register(registry)
                                 .Add({});
  auto& bad = prometheus::BuildCounter()
                  .Name("p2psip_overlay_bad_node_refusals_total")
                  .Help("Links, message signers and stored-data certificates refused because a "
                        "bad-node entry of the configuration lists their Node-ID")
                  .Register(registry);
  const char* what[] = {"link", "message", "data"};
  for (std::size_t i = 0; i < bad_node_refusals_.size(); ++i) {
    bad_node_refusals_[i].counter = &bad.Add({{"what", what[i]}});
  }
  auto& errors = prometheus::BuildCounter()
                     .Name("p2psip_overlay_config_sequence_errors_total")
                     .Help("Requests answered Error_Config_Too_Old or Error_Config_Too_New "
                           "(RFC 6940 §6.3.2.1)")
                     .Register(registry);
  config_sequence_errors_[0].counter = &errors.Add({{"error", "too_old"}});
  config_sequence_errors_[1].counter = &errors.Add({{"error", "too_new"}});
}

void OverlayMetrics::stored_resources(
    const std::map<std::string, std::size_t, std::less<>>& by_kind) {
  for (const auto& [kind, count] : by_kind) {
    if (stored_by_kind_.find(kind) == stored_by_kind_.end() &&
        stored_by_kind_.size() < kMaxLabelValues) {
      stored_by_kind_[kind] = &stored_resources_->Add({{"kind", kind}});
    }
  }
  for (auto& [kind, gauge] : stored_by_kind_) {
    auto it = by_kind.find(kind);
    gauge->Set(it == by_kind.end() ? 0.0 : static_cast<double>(it->second));
  }
}

void OverlayMetrics::store_total(std::string_view result, std::uint64_t total) {
  if (store_results_.size() >= kMaxLabelValues && store_results_.find(result) == store_results_.end()) {
    result = "unknown";
  }
  advance(series(store_results_, *stores_, result, {{"result", std::string(result)}}), total);
}

void OverlayMetrics::fetch_total(std::string_view result, std::uint64_t total) {
  if (fetch_results_.size() >= kMaxLabelValues && fetch_results_.find(result) == fetch_results_.end()) {
    result = "unknown";
  }
  advance(series(fetch_results_, *fetches_, result, {{"result", std::string(result)}}), total);
}

void OverlayMetrics::lookup_duration(double seconds) { lookup_duration_->Observe(seconds); }

void OverlayMetrics::routing_table_peers(std::size_t peers) {
  routing_table_peers_->Set(static_cast<double>(peers));
}

void OverlayMetrics::advance(Series& s, std::uint64_t total) {
  if (total > s.last) s.counter->Increment(static_cast<double>(total - s.last));
  s.last = total;
}

OverlayMetrics::Series& OverlayMetrics::series(std::map<std::string, Series, std::less<>>& map,
                                               prometheus::Family<prometheus::Counter>& family,
                                               std::string_view key,
                                               const prometheus::Labels& labels) {
  auto it = map.find(key);
  if (it != map.end()) return it->second;
  return map.emplace(std::string(key), Series{&family.Add(labels), 0}).first->second;
}

void OverlayMetrics::messages_total(std::string_view code, OverlayDirection direction,
                                    std::uint64_t total) {
  auto& map = direction == OverlayDirection::kIn ? messages_in_ : messages_out_;
  if (map.size() >= kMaxLabelValues && map.find(code) == map.end()) code = "unknown";
  const char* dir = direction == OverlayDirection::kIn ? "in" : "out";
  advance(series(map, *messages_, code, {{"code", std::string(code)}, {"direction", dir}}), total);
}

void OverlayMetrics::answers_refused_total(OverlayAnswerRefused reason, std::uint64_t total) {
  advance(answers_refused_[reason == OverlayAnswerRefused::kUnmatched ? 0 : 1], total);
}

void OverlayMetrics::in_process_messages_total(std::uint64_t total) {
  advance(in_process_, total);
}

void OverlayMetrics::verify_queue_full_total(std::uint64_t total) {
  advance(verify_queue_full_, total);
}

void OverlayMetrics::link_errors_total(std::string_view reason, std::uint64_t total) {
  if (errors_.size() >= kMaxLabelValues && errors_.find(reason) == errors_.end()) reason = "unknown";
  advance(series(errors_, *link_errors_, reason, {{"reason", std::string(reason)}}), total);
}

void OverlayMetrics::configuration(std::uint16_t sequence,
                                   const std::array<std::uint64_t, 3>& bad_node_refusals,
                                   std::uint64_t too_old, std::uint64_t too_new) {
  configuration_sequence_->Set(sequence);
  for (std::size_t i = 0; i < bad_node_refusals.size(); ++i) {
    advance(bad_node_refusals_[i], bad_node_refusals[i]);
  }
  advance(config_sequence_errors_[0], too_old);
  advance(config_sequence_errors_[1], too_new);
}

}  // namespace p2psip::metrics
