#include "overlay/enroll/config_revision.h"

#include <openssl/sha.h>

#include <algorithm>
#include <fstream>

#include "common/bytes.h"
#include "overlay/enroll/node_id_store.h"
#include "overlay/peer/config_sequence.h"

namespace p2psip::enroll {

namespace sec = p2psip::security;

Expected<std::vector<sec::NodeId>, std::string> parse_bad_nodes(std::string_view text) {
  std::vector<sec::NodeId> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && std::string_view(" \t\r").find(line.back()) != std::string_view::npos) line.remove_suffix(1);
    while (!line.empty() && std::string_view(" \t").find(line.front()) != std::string_view::npos) line.remove_prefix(1);
    if (line.empty()) continue;
    auto id = sec::parse_node_id_hex(std::string(line));
    if (!id) return unexpected("line " + std::to_string(line_no) + ": '" + std::string(line) + "' is not a Node-ID (32 hex digits)");
    if (std::find(out.begin(), out.end(), *id) == out.end()) out.push_back(*id);
  }
  return out;
}

std::string content_digest(const std::vector<std::string>& bootstrap, std::vector<sec::NodeId> bad_nodes) {
  std::vector<std::string> parts = bootstrap;
  std::sort(parts.begin(), parts.end());
  std::sort(bad_nodes.begin(), bad_nodes.end());
  std::string text = "bootstrap";
  for (const auto& b : parts) text += " " + b;
  text += "\nbad-node";
  for (const auto& id : bad_nodes) text += " " + sec::node_id_hex(id);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  return to_hex(ByteView(reinterpret_cast<const std::byte*>(md), sizeof md));
}

std::uint16_t choose_sequence(const std::optional<ConfigRevision>& last, std::uint16_t configured,
                              const std::string& digest) {
  if (!last) return configured;
  std::uint16_t next = last->digest == digest ? last->sequence : peer::next_sequence(last->sequence);
  return peer::sequence_newer(configured, next) ? configured : next;
}

std::filesystem::path config_revision_path(const std::filesystem::path& ca_dir) { return ca_dir / "config-sequence"; }

Expected<std::optional<ConfigRevision>, std::string> load_config_revision(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<ConfigRevision>{};
    return unexpected("'" + path.string() + "': cannot read");
  }
  unsigned seq = 0;
  ConfigRevision r;
  if (!(in >> seq >> r.digest) || seq > 0xfffe) return unexpected("'" + path.string() + "': not `SEQUENCE DIGEST`");
  r.sequence = static_cast<std::uint16_t>(seq);
  return std::optional<ConfigRevision>(std::move(r));
}

Expected<void, std::string> save_config_revision(const std::filesystem::path& path, const ConfigRevision& r) {
  return replace_file(path, std::to_string(r.sequence) + " " + r.digest + "\n", 0644);
}

}  // namespace p2psip::enroll
