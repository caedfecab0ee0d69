#include "gateway/runtime/status_report.h"

#include <yaml-cpp/yaml.h>

#include <ctime>

#include "gateway/config/host_port.h"

namespace p2psip::runtime {

namespace {

// yaml-cpp reads JSON (a YAML 1.2 flow document); absent or mistyped members read as empty.
std::string text(const YAML::Node& doc, const char* key) {
  const YAML::Node n = doc[key];
  return n && n.IsScalar() ? n.Scalar() : std::string();
}

template <typename T>
T number(const YAML::Node& doc, const char* key) {
  const YAML::Node n = doc[key];
  return n && n.IsScalar() ? n.as<T>(T{}) : T{};
}

std::vector<std::string> strings(const YAML::Node& doc, const char* key) {
  std::vector<std::string> out;
  const YAML::Node n = doc[key];
  if (!n || !n.IsSequence()) return out;
  for (const auto& item : n) {
    if (item.IsScalar()) out.push_back(item.Scalar());
  }
  return out;
}

void read_storage(const YAML::Node& doc, NodeStatus& s) {
  s.stored_resources = number<std::uint64_t>(doc, "stored_resources");
  s.responsible_resources = number<std::uint64_t>(doc, "responsible_resources");
  s.replica_resources = number<std::uint64_t>(doc, "replica_resources");
  s.stored_values = number<std::uint64_t>(doc, "stored_values");
  const YAML::Node kinds = doc["stored_resources_by_kind"];
  if (kinds && kinds.IsMap()) {
    for (const auto& kv : kinds) {
      if (kv.first.IsScalar() && kv.second.IsScalar()) {
        s.stored_by_kind[kv.first.Scalar()] = kv.second.as<std::uint64_t>(0);
      }
    }
  }
}

void read_registrations(const YAML::Node& doc, NodeStatus& s) {
  s.registrations = number<std::uint64_t>(doc, "registrations");
  s.registrations_stored = number<std::uint64_t>(doc, "registrations_stored");
  const YAML::Node aors = doc["registration_aors"];
  if (!aors || !aors.IsSequence()) return;
  for (const auto& a : aors) {
    if (a.IsMap()) s.registration_aors.emplace_back(text(a, "aor"), text(a, "stored") == "true");
  }
}

std::string when(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32] = "";
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

void list(std::string& out, const char* title, const std::vector<std::string>& ids) {
  out += "  " + std::string(title) + " (" + std::to_string(ids.size()) + ")";
  out += ids.empty() ? " none\n" : ":\n";
  for (const auto& id : ids) out += "    " + id + "\n";
}

}  // namespace

Expected<StatusTarget, std::string> parse_status_target(std::string_view in) {
  StatusTarget t;
  std::string_view rest = in;
  if (rest.rfind("https://", 0) == 0) {
    return unexpected(std::string("https is not served: the metrics port speaks plain HTTP"));
  }
  if (rest.rfind("http://", 0) == 0) rest.remove_prefix(7);
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (slash + 1 < rest.size()) t.path = std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  std::string hp(rest);
  bool has_port = !hp.empty() && hp.back() != ']' &&
                  (hp.front() == '[' ? hp.find("]:") != std::string::npos
                                     : hp.find(':') != std::string::npos && hp.find(':') == hp.rfind(':'));
  if (!has_port) {
    bool bare_v6 = hp.find(':') != std::string::npos && hp.front() != '[';
    hp = (bare_v6 ? "[" + hp + "]" : hp) + ":" + std::to_string(kDefaultMetricsPort);
  }
  auto parsed = config::parse_host_port(hp, config::HostKind::kIpOrName);
  if (!parsed) return unexpected("'" + std::string(in) + "': " + parsed.error());
  t.host = parsed->host;
  t.port = parsed->port;
  return t;
}

Expected<NodeStatus, std::string> parse_status(std::string_view json) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(json));
  } catch (const YAML::Exception& e) {
    return unexpected("not a /status document: " + std::string(e.what()));
  }
  if (!doc.IsMap()) return unexpected(std::string("not a /status document: not a JSON object"));
  NodeStatus s;
  s.version = text(doc, "version");
  s.role = text(doc, "role");
  s.overlay = text(doc, "overlay");
  s.sip_listen = text(doc, "sip_listen");
  s.sip_advertise = text(doc, "sip_advertise");
  s.started_at = number<std::int64_t>(doc, "started_at");
  s.node_id = text(doc, "node_id");
  s.has_overlay = !s.node_id.empty();
  s.state = text(doc, "state");
  s.predecessors = strings(doc, "predecessors");
  s.successors = strings(doc, "successors");
  s.fingers = strings(doc, "fingers");
  s.routing_table_size = number<std::uint64_t>(doc, "routing_table_size");
  s.connections = number<std::uint64_t>(doc, "connections");
  s.links = number<std::uint64_t>(doc, "links");
  s.configuration_sequence = number<std::uint64_t>(doc, "configuration_sequence");
  read_storage(doc, s);
  read_registrations(doc, s);
  return s;
}

std::string render_status(const NodeStatus& s) {
  std::string out = "p2psip " + s.role + " " + s.version + ", overlay " + s.overlay + "\n";
  if (!s.sip_listen.empty()) {
    out += "sip: " + s.sip_listen + " (advertised " + s.sip_advertise + ")\n";
  }
  if (s.started_at > 0) out += "started: " + when(s.started_at) + "\n";
  if (!s.has_overlay) return out + "overlay: not started yet\n";
  out += "node-id: " + s.node_id + " (" + s.state + ")\n";
  out += "ring: " + std::to_string(s.routing_table_size) + " peers in the routing table, " +
         std::to_string(s.connections) + " connections, " + std::to_string(s.links) +
         " links, configuration sequence " + std::to_string(s.configuration_sequence) + "\n";
  list(out, "predecessors", s.predecessors);
  list(out, "successors", s.successors);
  list(out, "fingers", s.fingers);
  out += "storage: " + std::to_string(s.stored_resources) + " resources (" +
         std::to_string(s.responsible_resources) + " responsible, " +
         std::to_string(s.replica_resources) + " replicas), " + std::to_string(s.stored_values) +
         " values\n";
  for (const auto& [kind, count] : s.stored_by_kind) {
    out += "  " + kind + ": " + std::to_string(count) + "\n";
  }
  out += "registrations: " + std::to_string(s.registrations) + " kept, " +
         std::to_string(s.registrations_stored) + " stored\n";
  for (const auto& [aor, stored] : s.registration_aors) {
    out += "  " + aor + (stored ? " stored\n" : " not stored\n");
  }
  if (s.registration_aors.size() < s.registrations) {
    out += "  ... and " + std::to_string(s.registrations - s.registration_aors.size()) + " more\n";
  }
  return out;
}

}  // namespace p2psip::runtime
