// parse_config_document and verify_config_document (config_document.h).

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <charconv>
#include <ctime>

#include "overlay/enroll/config_document.h"
#include "overlay/enroll/xml_handles.h"
#include "overlay/enroll/xml_signature.h"
#include "overlay/security/identity.h"

namespace p2psip::enroll {

namespace {

namespace sec = p2psip::security;

constexpr std::size_t kMaxListEntries = 256;  // root-cert, bootstrap-node, bad-node... each

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string content(xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  std::string out(trim(from_xc(c)));
  xmlFree(c);
  return out;
}

std::string attr(xmlNode* n, const char* name) {
  xmlChar* c = xmlGetProp(n, xc(name));
  std::string out(trim(from_xc(c)));
  xmlFree(c);
  return out;
}

bool in_ns(xmlNode* n, std::string_view ns) {
  return n->type == XML_ELEMENT_NODE && n->ns && from_xc(n->ns->href) == ns;
}

bool named(xmlNode* n, const char* name) {
  return in_ns(n, kConfigNamespace) && from_xc(n->name) == name;
}

Expected<std::uint32_t, std::string> number(std::string_view text, const char* what) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return unexpected(std::string(what) + ": not a number: '" + std::string(text) + "'");
  }
  return v;
}

// The byte ranges of every element `<tag ...>...</tag>` in document order (no prefixes).
std::vector<std::string> raw_elements(std::string_view text, std::string_view tag) {
  std::vector<std::string> out;
  std::string open = "<" + std::string(tag), close = "</" + std::string(tag) + ">";
  std::size_t pos = 0;
  while ((pos = text.find(open, pos)) != std::string_view::npos) {
    std::size_t after = pos + open.size();
    if (after < text.size() && std::string_view(" \t\r\n>").find(text[after]) != std::string_view::npos) {
      std::size_t end = text.find(close, after);
      if (end == std::string_view::npos) break;
      out.emplace_back(text.substr(pos, end + close.size() - pos));
      pos = end + close.size();
    } else {
      pos = after;
    }
  }
  return out;
}

Expected<void, std::string> parse_kind_block(xmlNode* block, KindBlock& kb) {
  for (xmlNode* c = block->children; c; c = c->next) {
    if (named(c, "kind-signature")) kb.signature = content(c);
    if (!named(c, "kind")) continue;
    kb.name = attr(c, "name");
    if (kb.name.empty()) {
      auto id = number(attr(c, "id"), "kind id");
      if (!id) return unexpected(id.error());
      kb.id = *id;
    }
    for (xmlNode* k = c->children; k; k = k->next) {
      if (named(k, "data-model")) kb.data_model = content(k);
      if (named(k, "access-control")) kb.access_control = content(k);
      if (named(k, "max-count") || named(k, "max-size")) {
        auto v = number(content(k), "max-count/max-size");
        if (!v) return unexpected(v.error());
        (named(k, "max-count") ? kb.max_count : kb.max_size) = *v;
      }
    }
  }
  return {};
}

Expected<void, std::string> parse_parameter(xmlNode* c, ParsedConfig& out) {
  std::string name = from_xc(c->name);
  auto push = [&](std::vector<std::string>& list) -> Expected<void, std::string> {
    if (list.size() >= kMaxListEntries) return unexpected("too many " + name + " elements");
    list.push_back(content(c));
    return {};
  };
  if (name == "topology-plugin") out.topology_plugin = content(c);
  else if (name == "root-cert") {
    if (out.root_certs.size() >= kMaxListEntries) return unexpected(std::string("too many root-cert"));
    auto der = base64_decode(content(c));
    if (!der) return unexpected("root-cert: " + der.error());
    out.root_certs.push_back(std::move(der).value());
  } else if (name == "enrollment-server") return push(out.enrollment_servers);
  else if (name == "configuration-signer") return push(out.configuration_signers);
  else if (name == "kind-signer") return push(out.kind_signers);
  else if (name == "bad-node") return push(out.bad_nodes);
  else if (name == "no-ice") out.no_ice = content(c) == "true" || content(c) == "1";
  else if (name == "bootstrap-node") {
    if (out.bootstrap_nodes.size() >= kMaxListEntries) return unexpected(std::string("too many bootstrap-node"));
    BootstrapNode b{attr(c, "address"), 6084};
    std::string port = attr(c, "port");
    if (!port.empty()) {
      auto p = number(port, "bootstrap-node port");
      if (!p || *p == 0 || *p > 65535) return unexpected(std::string("bootstrap-node: bad port"));
      b.port = static_cast<std::uint16_t>(*p);
    }
    out.bootstrap_nodes.push_back(std::move(b));
  } else if (name == "max-message-size" || name == "initial-ttl" || name == "overlay-reliability-timer") {
    auto v = number(content(c), name.c_str());
    if (!v) return unexpected(v.error());
    (name == "max-message-size" ? out.max_message_size
     : name == "initial-ttl"    ? out.initial_ttl
                                : out.overlay_reliability_timer) = *v;
  } else if (name == "required-kinds") {
    for (xmlNode* b = c->children; b; b = b->next) {
      if (!named(b, "kind-block")) continue;
      if (out.kinds.size() >= kMaxListEntries) return unexpected(std::string("too many kind-block"));
      KindBlock kb;
      auto ok = parse_kind_block(b, kb);
      if (!ok) return ok;
      out.kinds.push_back(std::move(kb));
    }
  }
  return {};
}

Expected<ParsedConfig, std::string> parse_configuration(xmlNode* conf, std::string_view text) {
  ParsedConfig out;
  out.instance_name = attr(conf, "instance-name");
  if (out.instance_name.empty()) return unexpected(std::string("configuration without instance-name"));
  out.expiration = attr(conf, "expiration");
  std::string seq = attr(conf, "sequence");
  if (!seq.empty()) {
    auto s = number(seq, "sequence");
    if (!s || *s > kMaxConfigSequence) return unexpected(std::string("sequence out of range"));
    out.sequence = *s;
  }
  for (xmlNode* c = conf->children; c; c = c->next) {
    if (!in_ns(c, kConfigNamespace)) continue;
    auto ok = parse_parameter(c, out);
    if (!ok) return unexpected(ok.error());
  }
  auto raws = raw_elements(text, "configuration");
  if (raws.empty()) return unexpected(std::string("cannot locate the configuration element's bytes"));
  out.configuration_bytes = raws.front();
  auto kinds = raw_elements(out.configuration_bytes, "kind");
  if (kinds.size() != out.kinds.size()) return unexpected(std::string("cannot locate the kind elements' bytes"));
  for (std::size_t i = 0; i < kinds.size(); ++i) out.kinds[i].kind_bytes = std::move(kinds[i]);
  return out;
}

}  // namespace

std::optional<sec::SysSeconds> parse_rfc3339_utc(std::string_view text) {
  std::tm tm{};
  std::string copy(text);
  const char* end = ::strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return sec::SysSeconds{std::chrono::seconds{::timegm(&tm)}};
}

Expected<ParsedConfig, std::string> parse_config_document(std::string_view text) {
  if (text.size() > kMaxConfigDocument) return unexpected(std::string("document too large"));
  // No DTD at all: no entities to expand, nothing to fetch.
  if (text.find("<!DOCTYPE") != std::string_view::npos || text.find("<!ENTITY") != std::string_view::npos) {
    return unexpected(std::string("document has a DTD"));
  }
  XmlDocPtr doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), "reload-config.xml", "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) return unexpected(std::string("not well-formed XML"));
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !named(root, "overlay")) return unexpected(std::string("root is not p2pcf:overlay"));
  for (xmlNode* c = root->children; c; c = c->next) {
    if (!named(c, "configuration")) continue;
    auto parsed = parse_configuration(c, text);
    if (!parsed) return parsed;
    for (xmlNode* s = c->next; s; s = s->next) {
      if (s->type != XML_ELEMENT_NODE) continue;
      if (named(s, "signature")) parsed->signature = content(s);
      break;
    }
    return parsed;
  }
  return unexpected(std::string("no configuration element"));
}

Expected<void, std::string> verify_config_document(const ParsedConfig& config, sec::SysSeconds now) {
  if (config.signature.empty()) return unexpected(std::string("configuration is not signed"));
  if (auto expires = parse_rfc3339_utc(config.expiration); expires && *expires <= now) {
    return unexpected("configuration expired at " + config.expiration);
  }
  std::vector<sec::RootCertificate> roots;
  for (const Bytes& der : config.root_certs) {
    auto root = sec::RootCertificate::from_der(der);
    if (!root) return unexpected("root-cert: " + root.error());
    roots.push_back(std::move(root).value());
  }
  if (roots.empty()) return unexpected(std::string("no root-cert"));
  auto ids = [](const std::vector<std::string>& hexes) {
    std::vector<sec::NodeId> out;
    for (const auto& h : hexes) {
      if (auto id = sec::parse_node_id_hex(h)) out.push_back(*id);
    }
    return out;
  };
  auto conf = verify_blob(config.configuration_bytes, config.signature, config.instance_name, roots,
                          ids(config.configuration_signers), now);
  if (!conf) return unexpected("configuration " + conf.error());
  for (const KindBlock& k : config.kinds) {
    if (k.signature.empty()) return unexpected("kind " + k.name + ": no kind-signature");
    auto ok = verify_blob(k.kind_bytes, k.signature, config.instance_name, roots,
                          ids(config.kind_signers), now);
    if (!ok) return unexpected("kind " + k.name + ": " + ok.error());
  }
  return {};
}

}  // namespace p2psip::enroll
