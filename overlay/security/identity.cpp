#include "overlay/security/identity.h"

#include <algorithm>

namespace p2psip::security {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool is_local_part_char(char c) {
  if (c <= 0x20 || c >= 0x7f) return false;  // controls, space, DEL, non-ASCII
  return c != '@' && c != '<' && c != '>' && c != '"' && c != '\\' && c != '(' && c != ')' &&
         c != ',' && c != ';' && c != ':' && c != '[' && c != ']';
}

constexpr std::string_view kScheme = "reload://";
constexpr std::string_view kNodeDestinationPrefix = "0110";  // type node(1), length 16

}  // namespace

std::optional<NodeId> parse_node_id_hex(std::string_view hex) {
  NodeId id{};
  if (!from_hex(hex, id)) return std::nullopt;
  return id;
}

std::string node_id_hex(const NodeId& id) { return to_hex(ByteView(id)); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool is_valid_overlay_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxOverlayNameLength) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    std::size_t end = dot == std::string_view::npos ? name.size() : dot;
    std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), is_label_char)) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool is_valid_user_name(std::string_view user) {
  if (user.size() > kMaxUserNameLength) return false;
  std::size_t at = user.find('@');
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view local = user.substr(0, at);
  if (!std::all_of(local.begin(), local.end(), is_local_part_char)) return false;
  return is_valid_overlay_name(user.substr(at + 1));
}

std::string reload_uri(const NodeId& id, std::string_view overlay) {
  std::string uri(kScheme);
  uri += kNodeDestinationPrefix;
  uri += node_id_hex(id);
  uri += '@';
  uri += overlay;
  uri += '/';
  return uri;
}

Expected<ReloadUri, std::string> parse_reload_uri(std::string_view uri) {
  const std::string shown(uri.substr(0, 120));
  if (uri.size() < kScheme.size() || !iequals(uri.substr(0, kScheme.size()), kScheme)) {
    return unexpected("URI '" + shown + "' is not a reload:// URI");
  }
  std::string_view rest = uri.substr(kScheme.size());
  std::size_t at = rest.find('@');
  std::size_t slash = rest.find('/');
  if (at == std::string_view::npos || slash == std::string_view::npos || slash < at) {
    return unexpected("reload URI '" + shown + "' lacks the destination@overlay/ form");
  }
  std::string_view dest = rest.substr(0, at);
  std::string_view overlay = rest.substr(at + 1, slash - at - 1);
  if (slash + 1 != rest.size()) {
    return unexpected("reload URI '" + shown + "' has a specifier; a certificate names a peer");
  }
  if (dest.size() == kNodeDestinationPrefix.size() + kNodeIdSize * 2 &&
      dest.substr(0, kNodeDestinationPrefix.size()) == kNodeDestinationPrefix) {
    dest.remove_prefix(kNodeDestinationPrefix.size());
  }
  std::optional<NodeId> id = parse_node_id_hex(dest);
  if (!id) {
    return unexpected("reload URI '" + shown +
                      "' does not hold a single 128-bit Node-ID destination");
  }
  if (!is_valid_overlay_name(overlay)) {
    return unexpected("reload URI '" + shown + "' has an invalid overlay name");
  }
  return ReloadUri{*id, std::string(overlay)};
}

}  // namespace p2psip::security
