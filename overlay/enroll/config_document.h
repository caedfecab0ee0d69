#pragma once
// The overlay configuration document (RFC 6940 §11.1, application/p2p-overlay+xml): built,
// signed and parsed here with libxml2. Pure: time and keys come in as values.
//
// build_config_document() writes one configuration element (CHORD-RELOAD, the CA root as
// root-cert, the enrollment URL as the text of enrollment-server as in the §11.1 example,
// bootstrap-node entries, no-ice, max-message-size, initial-ttl, overlay-reliability-timer,
// configuration-signer/kind-signer = the signer's Node-ID, bad-node entries, and the required
// kinds SIP-REGISTRATION (RFC 7904: kind 1, DICTIONARY, USER-NODE-MATCH), CERTIFICATE_BY_NODE
// and CERTIFICATE_BY_USER (§8: ARRAY, NODE-MATCH / USER-MATCH), each kind-block with its
// kind-signature), followed by its signature element (xml_signature.h).
//
// parse_config_document() reads such a document from the network: size-capped, no DTD, no
// entities, no network access; the first configuration element is taken, with the exact bytes
// its signature covers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/security/certificate.h"
#include "overlay/security/keys.h"

namespace p2psip::enroll {

inline constexpr std::string_view kConfigContentType = "application/p2p-overlay+xml";
inline constexpr std::string_view kConfigNamespace = "urn:ietf:params:xml:ns:p2p:config-base";
inline constexpr std::string_view kChordNamespace = "urn:ietf:params:xml:ns:p2p:config-chord";
inline constexpr std::size_t kMaxConfigDocument = 256 * 1024;
inline constexpr std::uint32_t kMaxConfigSequence = 0xfffe;  // §11.1: 0..2^16-2
// max-message-size of the enrollment server's documents (server_setup.cpp).
inline constexpr std::uint32_t kEnrolledMaxMessageSize = 16384;

struct BootstrapNode {
  std::string address;  // IPv4 or IPv6 text (RFC 5952)
  std::uint16_t port = 6084;
  friend bool operator==(const BootstrapNode&, const BootstrapNode&) = default;
};

struct ConfigDocumentParams {
  std::string instance_name;
  std::uint32_t sequence = 1;
  security::SysSeconds expiration;
  std::vector<Bytes> root_certs;                  // DER
  std::vector<std::string> enrollment_servers;    // https URLs
  std::vector<BootstrapNode> bootstrap_nodes;
  bool no_ice = true;
  std::uint32_t max_message_size = 5000;
  std::uint32_t initial_ttl = 100;
  std::uint32_t overlay_reliability_timer = 3000;  // ms
  std::vector<security::NodeId> bad_nodes;
};

// Signs the configuration and every kind element with `key`; the signer's first Node-ID is
// the configuration-signer and kind-signer.
Expected<std::string, std::string> build_config_document(const ConfigDocumentParams& params,
                                                         const security::Certificate& signer,
                                                         const security::PrivateKey& key);

struct KindBlock {
  std::string name;  // name attribute, or "" when given by id
  std::uint32_t id = 0;
  std::string data_model, access_control;
  std::uint32_t max_count = 0, max_size = 0;
  std::string kind_bytes;      // the kind element as it appears in the document
  std::string signature;       // kind-signature text (base64), may be empty
};

struct ParsedConfig {
  std::string instance_name;
  std::optional<std::uint32_t> sequence;
  std::string expiration;  // as written (RFC 3339)
  std::string topology_plugin = "CHORD-RELOAD";
  std::vector<Bytes> root_certs;
  std::vector<std::string> enrollment_servers;
  std::vector<BootstrapNode> bootstrap_nodes;
  bool no_ice = false;
  std::uint32_t max_message_size = 5000, initial_ttl = 100, overlay_reliability_timer = 3000;
  std::vector<std::string> configuration_signers, kind_signers, bad_nodes;  // as written
  std::vector<KindBlock> kinds;
  std::string configuration_bytes;  // exactly what the signature covers
  std::string signature;            // the following signature element's text, or ""
};

Expected<ParsedConfig, std::string> parse_config_document(std::string_view text);

// "2026-12-06T07:00:00Z" (the UTC form rfc3339() writes; §11.1 requires UTC) -> time; other
// forms (fractions, offsets) -> nullopt.
std::optional<security::SysSeconds> parse_rfc3339_utc(std::string_view text);

// Refuses a configuration whose expiration (in the form above) has passed; then checks its
// signature (and every kind-signature) against the document's own
// root-cert(s) and configuration-signer / kind-signer lists (§11.1). Trust in the roots comes
// from how the document was fetched (HTTPS to a server trusted out of band).
Expected<void, std::string> verify_config_document(const ParsedConfig& config,
                                                   security::SysSeconds now);

// "2026-12-06T07:00:00Z"
std::string rfc3339(security::SysSeconds t);

}  // namespace p2psip::enroll
