#pragma once
// Plain values of the public overlay API (overlay.h): node configuration, errors, SIP
// registrations (RFC 7904) and lookup results. Standard library only.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace p2psip::overlay {

using Millis = std::chrono::milliseconds;

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };
// One log line of the library (no trailing newline). Runs on the loop thread.
using LogFn = std::function<void(LogLevel level, const std::string& line)>;

// A peer's address. In NodeConfig::bootstrap an IP literal only: Node::create refuses a name
// (a lookup would block the caller's loop; resolve it first, e.g. with uv_getaddrinfo). In
// ClientConfig::bootstrap an IP literal or a host name (looked up without blocking, client.h).
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

// PEM files: the node's certificate (RFC 6940 §11.3, with its Node-ID and user name), its
// private key and the overlay's root certificate.
struct CredentialFiles {
  std::string cert;
  std::string key;
  std::string ca;
};

// Optional protocol tuning; unset fields keep the RFC 6940 defaults of the library.
struct Tuning {
  std::optional<std::size_t> neighbors;     // successors/predecessors kept per side (>= 3)
  std::optional<Millis> update_interval;    // chord-update-interval (§10.7.4.1)
  std::optional<Millis> join_timeout;       // a join not done by then is restarted
  std::optional<std::size_t> replicas;      // stored copies beyond the responsible peer's
};

// The overlay configuration document (RFC 6940 §11.1) a node runs with, as enrollment stored
// it (`p2psip enroll`: reload-config.xml). Its sequence goes into every message and is checked
// on every request (§6.3.2.1), its bad-node entries are refused (links, signers, stored data),
// and a newer version (ConfigUpdate, §6.5.4, or fetched when a peer shows a newer sequence
// and before `expiration`) replaces the file.
struct ConfigurationSource {
  std::string document;     // path; empty: none (sequence 0: nothing checked, as without enrollment)
  std::string url;          // https URL of newer versions; empty: /.well-known/reload-config
                            // at the document's first enrollment-server
  std::string ca_file;      // trust for that server (PEM); empty: credentials.ca
  std::string fingerprint;  // ... or SHA-256 of its certificate (hex); used when given
};

struct NodeConfig {
  std::string overlay;                  // overlay name; the certificates must name it
  std::string listen_ip = "127.0.0.1";  // an IP literal (0.0.0.0 / :: for every interface)
  std::uint16_t listen_port = 0;        // 0: any free port
  std::string advertise_ip;             // announced in Attach; empty: listen_ip
  std::vector<Endpoint> bootstrap;      // IP literals; empty: start a new overlay
  CredentialFiles credentials;
  Tuning tuning;
  ConfigurationSource configuration;
  // Received messages' signatures are checked on a second thread while the loop goes on (at
  // most 256 waiting; more are dropped, Snapshot::verify_queue_full); false: on the loop,
  // inline (less CPU per message, the loop blocked meanwhile: bench/RESULTS-security.md).
  bool verify_on_worker = true;
};

// Why a call failed. kConfig: something the configuration names is wrong (`field` is the
// NodeConfig field at fault: "cert", "key", "ca", "bootstrap", or "" when none); kRuntime:
// the system refused (a port in use, a file that went away).
struct Error {
  enum class Kind : std::uint8_t { kConfig, kRuntime };
  Kind kind = Kind::kRuntime;
  std::string field;
  std::string message;  // one line, without the field
};

// A SIP-REGISTRATION value (RFC 7904 §3.2): a contact URI (uri form) or a destination list of
// Node-IDs (route form). A route form with an empty list means "the registrant's Node-ID".
struct Contact {
  enum class Form : std::uint8_t { kUri, kRoute };
  Form form = Form::kUri;
  std::string uri;                 // kUri: a sip:/sips: URI (or another AoR of the overlay)
  std::vector<std::string> route;  // kRoute: Node-IDs, 32 hex digits (else kBadInput)

  static Contact make_uri(std::string uri) { return Contact{Form::kUri, std::move(uri), {}}; }
  static Contact route_to_registrant() { return Contact{Form::kRoute, {}, {}}; }
  bool operator==(const Contact&) const = default;
};

// Who signs a stored registration: a certificate (whose user name is the AoR, RFC 7904
// USER-NODE-MATCH) and its key. It signs the value and the StoreReq that carries it (RFC 6940
// §7.3), whichever node sends it. An opaque, cheap-to-copy handle; load() or Node::registrant().
class Registrant {
 public:
  struct Impl;  // the library's; never needed by a user
  Registrant() = default;
  explicit Registrant(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  // The certificate and key at these paths for `aor` (normalised): the certificate must be of
  // `overlay`, name the AoR as its user and hold the Node-ID `node_id` (hex; the node that
  // will store it), and the key must be its key. The error says which of these failed.
  static Expected<Registrant, std::string> load(const std::string& cert_path,
                                                const std::string& key_path,
                                                const std::string& aor, const std::string& overlay,
                                                const std::string& node_id);

  bool valid() const { return impl_ != nullptr; }
  std::string node_id() const;  // hex: the dictionary key of its registrations
  const Impl* impl() const { return impl_.get(); }

 private:
  std::shared_ptr<const Impl> impl_;
};

// Why a store, removal or lookup failed.
struct Failure {
  enum class Kind : std::uint8_t {
    kReload,     // the overlay answered with a RELOAD error (`code`, RFC 6940 §14.9)
    kTimeout,    // no answer within the transaction lifetime, or the node is not running
    kBadAnswer,  // an answer that does not decode or is not the expected one
    kBadInput,   // the caller's AoR or value was unusable
  };
  static constexpr std::uint16_t kNotFound = 0x03;  // the RELOAD Error_Not_Found code

  Kind kind = Kind::kBadInput;
  std::uint16_t code = 0;
  std::string name;     // "Forbidden", "Not_Found", ..., "Timeout", "Bad_Answer", "Bad_Input"
  std::string message;  // one line: "Forbidden (signer may not write this AoR)"

  bool not_found() const { return kind == Kind::kReload && code == kNotFound; }
};

// Maximum uri-form indirection a lookup follows inside the overlay.
inline constexpr std::size_t kMaxIndirection = 4;

// What a lookup found. Every value was checked: its stored-data signature against the
// certificates of the answer (which must chain to the overlay's root) and its signer against
// the AoR (USER-NODE-MATCH); the others are only counted.
struct Resolution {
  std::vector<std::string> uris;                 // uri-form targets outside the overlay
  std::vector<std::vector<std::string>> routes;  // route-form registrations: Node-IDs, hex
  std::vector<std::string> visited;              // normalised AoRs looked up, in order
  bool depth_exceeded = false;                   // indirection deeper than kMaxIndirection
  std::size_t failed_lookups = 0;                // fetches down the chain that failed
  std::size_t rejected_values = 0;               // values whose signature or signer failed
  // How long the answer holds (RFC 6940 §7), over every registration the fetches returned:
  // the shortest lifetime in seconds and the earliest storage_time + lifetime (Unix ms, by
  // the storers' clocks). 0: no registration seen.
  std::uint32_t min_lifetime_s = 0;
  std::uint64_t earliest_expiry_ms = 0;
  bool empty() const { return uris.empty() && routes.empty(); }
};

using StoreDone = std::function<void(Expected<void, Failure>)>;
// A failure only when the first fetch fails; failures further down the chain are counted.
using LookupDone = std::function<void(Expected<Resolution, Failure>)>;

// "sip:Alice@Example.COM" -> "alice@example.com" (RFC 7904 §3.1); the error says why not.
Expected<std::string, std::string> normalize_aor(std::string_view aor);

}  // namespace p2psip::overlay
