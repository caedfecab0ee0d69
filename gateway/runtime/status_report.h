#pragma once
// `p2psip status`: a running node's /status document (overlay_metrics.cpp publishes it) read
// back and printed for people. Pure: where to ask, the document parsed, the text rendered.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.h"

namespace p2psip::runtime {

inline constexpr std::uint16_t kDefaultMetricsPort = 9464;

struct StatusTarget {
  std::string host;  // a name or an IP literal (without brackets)
  std::uint16_t port = kDefaultMetricsPort;
  std::string path = "/status";
};

// "ADDR:PORT", "ADDR" (port 9464), "[v6]:PORT", or "http://HOST[:PORT][/PATH]" (path defaults
// to /status). The error says what is wrong.
Expected<StatusTarget, std::string> parse_status_target(std::string_view text);

struct NodeStatus {
  std::string version, role, overlay, sip_listen, sip_advertise;
  std::int64_t started_at = 0;  // Unix seconds
  bool has_overlay = false;     // false until the node published its first snapshot
  std::string node_id, state;
  std::vector<std::string> predecessors, successors, fingers;
  std::uint64_t routing_table_size = 0, connections = 0, links = 0, configuration_sequence = 0;
  std::uint64_t stored_resources = 0, responsible_resources = 0, replica_resources = 0,
                stored_values = 0;
  std::map<std::string, std::uint64_t> stored_by_kind;
  std::uint64_t registrations = 0, registrations_stored = 0;
  std::vector<std::pair<std::string, bool>> registration_aors;  // the first 100
};

// The /status JSON; an error when it is not a JSON object.
Expected<NodeStatus, std::string> parse_status(std::string_view json);

// Human-readable, several lines, '\n' terminated.
std::string render_status(const NodeStatus& s);

}  // namespace p2psip::runtime
