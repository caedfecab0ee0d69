#include "overlay/enroll/config_document.h"

#include <libxml/tree.h>

#include <chrono>
#include <cstdio>

#include "overlay/enroll/xml_handles.h"
#include "overlay/enroll/xml_signature.h"
#include "overlay/security/identity.h"
#include "overlay/storage/kinds.h"

namespace p2psip::enroll {

namespace {

namespace sec = p2psip::security;

struct KindSpec {
  const char* name;
  const char* data_model;
  const char* access_control;
  std::uint32_t max_count, max_size;
};

// RFC 7904 §6 (SIP-REGISTRATION, Kind-ID 1) and RFC 6940 §8 (the certificate kinds); the counts
// and sizes are the ones our storage enforces.
constexpr KindSpec kRequiredKinds[] = {
    {"SIP-REGISTRATION", "DICTIONARY", "USER-NODE-MATCH", storage::kDefaultSipMaxCount,
     storage::kDefaultSipMaxSize},
    {"CERTIFICATE_BY_NODE", "ARRAY", "NODE-MATCH", 16, sec::kMaxCertificateSize},
    {"CERTIFICATE_BY_USER", "ARRAY", "USER-MATCH", 16, sec::kMaxCertificateSize},
};

std::string dump_node(xmlDoc* doc, xmlNode* node) {
  XmlBufferPtr buf(xmlBufferCreate());
  if (!buf || xmlNodeDump(buf.get(), doc, node, 0, 0) < 0) return {};
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buf.get())),
                     static_cast<std::size_t>(xmlBufferLength(buf.get())));
}

void text_child(xmlNode* parent, xmlNs* ns, const char* name, const std::string& value) {
  xmlNewTextChild(parent, ns, xc(name), xc(value));
}

void add_parameters(xmlNode* conf, xmlNs* ns, const ConfigDocumentParams& p,
                    const std::string& signer_hex) {
  text_child(conf, ns, "topology-plugin", "CHORD-RELOAD");
  text_child(conf, ns, "node-id-length", std::to_string(sec::kNodeIdSize));
  for (const Bytes& der : p.root_certs) text_child(conf, ns, "root-cert", base64_encode(der));
  for (const std::string& url : p.enrollment_servers) text_child(conf, ns, "enrollment-server", url);
  for (const BootstrapNode& b : p.bootstrap_nodes) {
    xmlNode* n = xmlNewChild(conf, ns, xc("bootstrap-node"), nullptr);
    xmlNewProp(n, xc("address"), xc(b.address));
    xmlNewProp(n, xc("port"), xc(std::to_string(b.port)));
  }
  text_child(conf, ns, "no-ice", p.no_ice ? "true" : "false");
  text_child(conf, ns, "max-message-size", std::to_string(p.max_message_size));
  text_child(conf, ns, "initial-ttl", std::to_string(p.initial_ttl));
  text_child(conf, ns, "overlay-reliability-timer", std::to_string(p.overlay_reliability_timer));
  text_child(conf, ns, "overlay-link-protocol", "TLS");
  text_child(conf, ns, "configuration-signer", signer_hex);
  text_child(conf, ns, "kind-signer", signer_hex);
  for (const sec::NodeId& id : p.bad_nodes) text_child(conf, ns, "bad-node", sec::node_id_hex(id));
}

Expected<void, std::string> add_kinds(xmlDoc* doc, xmlNode* conf, xmlNs* ns,
                                      const sec::Certificate& signer, const sec::PrivateKey& key,
                                      std::vector<std::string>& signed_parts) {
  xmlNode* kinds = xmlNewChild(conf, ns, xc("required-kinds"), nullptr);
  for (const KindSpec& k : kRequiredKinds) {
    xmlNode* block = xmlNewChild(kinds, ns, xc("kind-block"), nullptr);
    xmlNode* kind = xmlNewChild(block, ns, xc("kind"), nullptr);
    xmlNewProp(kind, xc("name"), xc(k.name));
    text_child(kind, ns, "data-model", k.data_model);
    text_child(kind, ns, "access-control", k.access_control);
    text_child(kind, ns, "max-count", std::to_string(k.max_count));
    text_child(kind, ns, "max-size", std::to_string(k.max_size));
    std::string bytes = dump_node(doc, kind);
    auto sig = sign_blob(bytes, signer, key);
    if (!sig) return unexpected(sig.error());
    text_child(block, ns, "kind-signature", *sig);
    signed_parts.push_back(std::move(bytes));
  }
  return {};
}

}  // namespace

std::string rfc3339(sec::SysSeconds t) {
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{t - days};
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return out;
}

Expected<std::string, std::string> build_config_document(const ConfigDocumentParams& p,
                                                         const sec::Certificate& signer,
                                                         const sec::PrivateKey& key) {
  if (!sec::is_valid_overlay_name(p.instance_name)) return unexpected(std::string("bad instance-name"));
  if (p.sequence > kMaxConfigSequence) return unexpected(std::string("sequence above 65534"));
  if (signer.node_ids().empty()) return unexpected(std::string("signer has no Node-ID"));
  XmlDocPtr doc(xmlNewDoc(xc("1.0")));
  xmlNode* root = xmlNewNode(nullptr, xc("overlay"));
  xmlNs* ns = xmlNewNs(root, xc(std::string(kConfigNamespace)), nullptr);
  xmlSetNs(root, ns);
  xmlDocSetRootElement(doc.get(), root);
  xmlNode* conf = xmlNewChild(root, ns, xc("configuration"), nullptr);
  xmlNewProp(conf, xc("instance-name"), xc(p.instance_name));
  xmlNewProp(conf, xc("sequence"), xc(std::to_string(p.sequence)));
  xmlNewProp(conf, xc("expiration"), xc(rfc3339(p.expiration)));
  add_parameters(conf, ns, p, sec::node_id_hex(signer.node_ids().front()));
  std::vector<std::string> signed_parts;
  auto kinds = add_kinds(doc.get(), conf, ns, signer, key, signed_parts);
  if (!kinds) return unexpected(kinds.error());
  std::string conf_bytes = dump_node(doc.get(), conf);
  auto sig = sign_blob(conf_bytes, signer, key);
  if (!sig) return unexpected(sig.error());
  text_child(root, ns, "signature", *sig);
  xmlChar* mem = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc.get(), &mem, &size, "UTF-8");
  if (!mem) return unexpected(std::string("cannot serialize the document"));
  std::string out(reinterpret_cast<const char*>(mem), static_cast<std::size_t>(size));
  xmlFree(mem);
  // The signatures cover these exact bytes (§11.1): they must appear unchanged in the output.
  signed_parts.push_back(conf_bytes);
  for (const std::string& part : signed_parts) {
    if (part.empty() || out.find(part) == std::string::npos) {
      return unexpected(std::string("serialized document does not contain the signed bytes"));
    }
  }
  return out;
}

}  // namespace p2psip::enroll
