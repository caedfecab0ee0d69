#include "overlay/enroll/node_id_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace p2psip::enroll {

namespace sec = p2psip::security;

std::filesystem::path node_id_store_path(const std::filesystem::path& ca_dir) {
  return ca_dir / "enrolled-node-ids";
}

Expected<NodeIdMap, std::string> parse_node_id_map(std::string_view text) {
  NodeIdMap out;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto sp = line.find(' ');
    if (sp == std::string::npos || sp == 0) return unexpected("line " + std::to_string(n) + ": expected USER HEX[,HEX...]");
    std::vector<sec::NodeId> ids;
    std::string_view list = std::string_view(line).substr(sp + 1);
    while (true) {  // HEX(,HEX)*: every item, including an empty last one, must be a Node-ID
      std::string_view hex = list.substr(0, list.find(','));
      auto id = sec::parse_node_id_hex(hex);
      if (!id) return unexpected("line " + std::to_string(n) + ": bad Node-ID '" + std::string(hex) + "'");
      ids.push_back(*id);
      if (hex.size() == list.size()) break;
      list.remove_prefix(hex.size() + 1);
    }
    if (ids.empty() || !out.emplace(line.substr(0, sp), std::move(ids)).second) {
      return unexpected("line " + std::to_string(n) + ": empty or duplicate entry");
    }
  }
  return out;
}

std::string render_node_id_map(const NodeIdMap& map) {
  std::string out;
  for (const auto& [user, ids] : map) {
    out += user;
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i == 0 ? " " : ",") + sec::node_id_hex(ids[i]);
    out += "\n";
  }
  return out;
}

Expected<NodeIdMap, std::string> load_node_id_map(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return NodeIdMap{};
    return unexpected("'" + path.string() + "': cannot read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto map = parse_node_id_map(text.str());
  if (!map) return unexpected("'" + path.string() + "' " + map.error());
  return map;
}

Expected<void, std::string> replace_file(const std::filesystem::path& path, std::string_view text, mode_t mode) {
  std::string temp = path.string() + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return unexpected("'" + temp + "': " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    std::string err = std::strerror(errno);
    ::unlink(temp.c_str());
    return unexpected("'" + path.string() + "': cannot write: " + err);
  }
  return {};
}

Expected<void, std::string> save_node_id_map(const std::filesystem::path& path, const NodeIdMap& map) {
  return replace_file(path, render_node_id_map(map), 0600);
}

}  // namespace p2psip::enroll
