#include "gateway/runtime/overlay_metrics.h"

#include <map>

#include "gateway/runtime/log_format.h"
#include "gateway/runtime/uv_loop.h"
#include "p2psip/overlay/ca.h"

namespace p2psip::runtime {

namespace {

constexpr std::uint64_t kPublishIntervalMs = 1000;

std::string id_list(const std::vector<std::string>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? ",\"" : "\"") + ids[i] + "\"";
  return out + "]";
}

// [{"aor":"alice@example.com","stored":true},...] (the first 100: snapshot.h).
std::string aor_list(const std::vector<std::pair<std::string, bool>>& aors) {
  std::string out = "[";
  for (const auto& [aor, stored] : aors) {
    out += (out.size() > 1 ? ",{\"aor\":" : "{\"aor\":") + json_quote(aor) +
           ",\"stored\":" + (stored ? "true}" : "false}");
  }
  return out + "]";
}

std::string storage_status_members(const overlay::StorageStats& st) {
  std::string kinds = "{";
  for (const auto& [kind, count] : st.resources_by_kind) {
    kinds += (kinds.size() > 1 ? ",\"" : "\"") + kind_label(kind) + "\":" + std::to_string(count);
  }
  kinds += "}";
  return ",\"stored_resources\":" +
         std::to_string(st.responsible_resources + st.replica_resources) +
         ",\"responsible_resources\":" + std::to_string(st.responsible_resources) +
         ",\"replica_resources\":" + std::to_string(st.replica_resources) +
         ",\"stored_values\":" + std::to_string(st.values) +
         ",\"oldest_storage_time_ms\":" + std::to_string(st.oldest_storage_time) +
         ",\"stored_resources_by_kind\":" + kinds;
}

}  // namespace

std::string kind_label(std::uint32_t kind) {
  if (kind == overlay::kSipRegistrationKind) return "sip_registration";
  if (kind == overlay::kCertificateByNodeKind) return "certificate_by_node";
  if (kind == overlay::kCertificateByUserKind) return "certificate_by_user";
  return std::to_string(kind);
}

std::string overlay_status_members(const overlay::Snapshot& s) {
  return "\"node_id\":\"" + s.node_id + "\",\"state\":\"" + overlay::to_string(s.state) +
         "\",\"overlay_port\":" + std::to_string(s.listen_port) +
         ",\"predecessors\":" + id_list(s.predecessors) +
         ",\"successors\":" + id_list(s.successors) +
         ",\"finger_count\":" + std::to_string(s.finger_count) +
         ",\"fingers\":" + id_list(s.fingers) +
         ",\"routing_table_size\":" + std::to_string(s.routing_table_size) +
         ",\"connections\":" + std::to_string(s.connections) +
         ",\"links\":" + std::to_string(s.links) +
         ",\"pending_transactions\":" + std::to_string(s.pending_transactions) +
         ",\"configuration_sequence\":" + std::to_string(s.configuration_sequence) +
         storage_status_members(s.storage);
}

OverlayPublisher::OverlayPublisher(uv_loop_t* loop, overlay::Node& node,
                                   metrics::OverlayMetrics& metrics, metrics::HealthState& health,
                                   metrics::StatusBoard& status, std::string base_status)
    : node_(node), metrics_(metrics), health_(health), status_(status),
      base_status_(std::move(base_status)), timer_(loop) {
  health_.overlay_required = true;
  node_.on_change([this] { publish(); });
  timer_.start(kPublishIntervalMs, kPublishIntervalMs, [this] { publish(); });
  publish();
}

OverlayPublisher::~OverlayPublisher() {
  node_.on_change(nullptr);
  health_.overlay_joined = false;
}

void OverlayPublisher::publish() {
  overlay::Snapshot s = node_.snapshot();
  health_.overlay_joined = s.state == overlay::State::kJoined;
  metrics_.routing_table_peers(s.routing_table_size);
  metrics_.configuration(s.configuration_sequence,
                         {s.bad_node_links, s.bad_node_messages, s.bad_node_data},
                         s.config_too_old, s.config_too_new);
  for (const overlay::MessageCount& m : s.messages) {
    metrics_.messages_total(m.name, metrics::OverlayDirection::kIn, m.received);
    metrics_.messages_total(m.name, metrics::OverlayDirection::kOut, m.sent);
  }
  for (const auto& [reason, total] : s.link_errors) metrics_.link_errors_total(reason, total);
  metrics_.answers_refused_total(metrics::OverlayAnswerRefused::kUnmatched, s.answers_unmatched);
  metrics_.answers_refused_total(metrics::OverlayAnswerRefused::kWrongSender,
                                 s.answers_wrong_sender);
  metrics_.in_process_messages_total(s.in_process_messages);
  metrics_.verify_queue_full_total(s.verify_queue_full);
  std::map<std::string, std::size_t, std::less<>> by_kind;
  for (const auto& [kind, count] : s.storage.resources_by_kind) by_kind[kind_label(kind)] = count;
  metrics_.stored_resources(by_kind);
  for (const auto& [result, total] : s.storage.store_results) metrics_.store_total(result, total);
  for (const auto& [result, total] : s.storage.fetch_results) metrics_.fetch_total(result, total);
  status_.publish("{" + base_status_ + "," + overlay_status_members(s) +
                  ",\"registrations\":" + std::to_string(s.registrations) +
                  ",\"registrations_stored\":" + std::to_string(s.registrations_stored) +
                  ",\"registration_aors\":" + aor_list(s.registration_aors) + "}");
}

void leave_overlay(LoopControl& loop, overlay::Node& node, OverlayPublisher& publisher,
                   Millis budget) {
  // The library never completes synchronously: `done` runs from the loop.
  node.leave(budget, [&loop] { loop.stop(); });
  loop.run();
  publisher.publish();
}

void publish_certificate_expiry(const std::string& cert_path, metrics::OverlayMetrics& metrics) {
  auto cert = overlay::read_certificate(cert_path);
  if (!cert) return;
  metrics.certificate_expiry(static_cast<double>(cert->not_after.time_since_epoch().count()));
}

}  // namespace p2psip::runtime
