#pragma once
// The Node-IDs the enrollment server gave each user (RFC 6940 §11.3: "SHOULD maintain a mapping
// of users to Node-IDs"), kept in one file under the CA directory:
//   DIR/enrolled-node-ids, mode 0600, one `USER HEX[,HEX...]` line per user.
// Replaced atomically (temporary file, fsync, rename) on every change, so a crash leaves the
// old or the new mapping, never half of one.

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "overlay/security/identity.h"

namespace p2psip::enroll {

using NodeIdMap = std::map<std::string, std::vector<security::NodeId>, std::less<>>;

std::filesystem::path node_id_store_path(const std::filesystem::path& ca_dir);

// Pure: the file's text <-> the map. Errors say "line N: ...".
Expected<NodeIdMap, std::string> parse_node_id_map(std::string_view text);
std::string render_node_id_map(const NodeIdMap& map);

// A missing file is an empty map.
Expected<NodeIdMap, std::string> load_node_id_map(const std::filesystem::path& path);
// Writes `text` to `path` atomically (temporary file, fsync, rename) with `mode`.
Expected<void, std::string> replace_file(const std::filesystem::path& path, std::string_view text, mode_t mode);
Expected<void, std::string> save_node_id_map(const std::filesystem::path& path, const NodeIdMap& map);

}  // namespace p2psip::enroll
