#pragma once
// RELOAD enrollment (RFC 6940 §11): the configuration and enrollment server, and the client's
// one-shot enrollment step. The public face of overlay/enroll for the CLI; nothing here names
// an OpenSSL or libxml2 type.
//
// Server: GET /.well-known/reload-config serves the signed configuration document (§11.1,
// application/p2p-overlay+xml); POST /enroll takes the §11.3 certificate request
// (multipart/form-data: username, password, optional nodeids, csr as application/pkcs10) and
// answers 200 application/pkix-cert or 403 text/plain with one of the §11.3 tokens.
// Client: fetches and verifies the document, makes a key and a CSR, posts it and stores key,
// certificate, root and document under a data directory.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace p2psip::overlay {

// Exit codes, as the other commands: 0 done, 1 refused or failed at run time, 2 usage/config.
inline constexpr int kEnrollExitOk = 0;
inline constexpr int kEnrollExitFailed = 1;
inline constexpr int kEnrollExitUsage = 2;

// Wrong passwords per (user, source address): the caller's lockout (the registrar's policy).
class EnrollAttemptLimiter {
 public:
  virtual ~EnrollAttemptLimiter() = default;
  virtual bool blocked(const std::string& key) = 0;
  virtual void failed(const std::string& key) = 0;
  virtual void succeeded(const std::string& key) = 0;
};

// What the server did, for logs and metrics (called on the server's thread). Refusal reasons:
// the §11.3 tokens, "locked_out" (failed_authentication answered to a locked-out user) and
// "bad_request" (400: not multipart/form-data, malformed).
class EnrollObserver {
 public:
  virtual ~EnrollObserver() = default;
  virtual void document_served() = 0;
  virtual void enrolled() = 0;
  virtual void refused(std::string_view reason) = 0;
  virtual void connection_evicted() = 0;  // closed to make room for a newer one
};

struct EnrollEndpoint {
  std::string host;  // an IP literal (no brackets)
  std::uint16_t port = 0;
};

struct EnrollServerOptions {
  std::string overlay;                         // instance-name; must be the CA's overlay
  EnrollEndpoint listen;
  std::string ca_dir;                          // `p2psip ca init` directory; Node-IDs kept here
  std::map<std::string, std::string> users;    // user -> password (the phones file, parsed)
  std::string domain;                          // rfc822Name domain; empty: the overlay name
  std::vector<EnrollEndpoint> bootstrap;       // bootstrap peers, into the document
  // Where the nodes reach the server: the document's enrollment-server URL (RFC 6940 §11.1),
  // a name or an address (behind a Service or NAT). Empty host: listen's address and port.
  EnrollEndpoint advertise;
  std::string tls_cert, tls_key;               // HTTPS certificate (PEM); empty: issued at start
  std::vector<std::string> bad_nodes;          // Node-IDs (hex) listed as bad-node
  // More bad-node entries: one Node-ID (hex) per line, '#' comments. Re-read whenever it
  // changes (checked every second): the document gets the next sequence (RFC 6940 §11.1).
  std::string bad_nodes_file;
  std::uint32_t sequence = 1;                  // configuration sequence (§11.1: 0..2^16-2)
  int expiration_days = 30;                    // the document's expiration, from start
  int certificate_days = 365;                  // validity of issued certificates
  int certificate_seconds = 0;                 // tests of renewal: > 0 replaces certificate_days
};

// Validates the options, starts serving and returns only when `stop` becomes true (or on a
// start-up error, with a message on stderr). `ready` is called once the port is listening, with
// the configuration URL and the SHA-256 fingerprint (hex) of the HTTPS certificate.
// Returns an exit code.
using EnrollReady = std::function<void(const std::string& url, const std::string& fingerprint)>;
int run_enroll_server(const EnrollServerOptions& options, EnrollAttemptLimiter& limiter,
                      EnrollObserver& observer, const std::atomic<bool>& stop, const EnrollReady& ready);

struct EnrollClientOptions {
  std::string url;                 // https://HOST:PORT/.well-known/reload-config
  std::string user;
  std::string password;
  std::string ca_file;             // trust the HTTPS server by this CA (PEM) ...
  std::string fingerprint;         // ... or by SHA-256 of its certificate DER (hex, ':' allowed)
  std::string data_dir;
  unsigned node_ids = 1;
  bool ec_key = false;             // P-256 instead of RSA-2048
};

struct EnrollClientResult {
  int exit_code = kEnrollExitFailed;
  std::string message;                 // on failure: one line (with the §11.3 token if refused)
  std::vector<std::string> node_ids;   // hex, on success
  std::string user;                    // the certificate's rfc822Name
  std::string refusal;                 // the §11.3 token when the server answered 403
  bool unreachable = false;            // no HTTPS answer for the document (connect, TLS, timeout)
};

EnrollClientResult run_enroll_client(const EnrollClientOptions& options);

// A gateway enrolling its plain phones on their behalf (an extension of §11.3, see
// overlay/enroll/enrollment.h): for each phone user, the CSR is made with the gateway's own key
// and sent with the gateway's certificate (node_cert), so the certificate the server issues
// names the phone's user and the gateway's Node-ID (RFC 7904 §3.3: the gateway stores the
// phone's registration under its own Node-ID). The document is fetched once from options.url;
// each phone's files are written as <options.data_dir>/<user@domain>.{crt,key} (never
// overwritten). Blocking (network).
struct PhoneCredentials {
  std::string user, password;
};
struct PhoneEnrollment {
  std::string user;             // as given
  EnrollClientResult result;    // result.user: the certificate's user@domain on success
};
std::vector<PhoneEnrollment> enroll_phones(const EnrollClientOptions& options, const std::string& node_cert,
                                           const std::string& node_key,
                                           const std::vector<PhoneCredentials>& phones);

// A node's own enrollment (p2psip peer/gateway --enroll): the files run_enroll_client keeps in
// a directory, read back on later starts.
struct StoredEnrollment {
  std::string cert, key, ca, document;    // paths: node.crt, node.key, ca.crt, reload-config.xml
  std::string overlay;                    // the document's instance-name
  std::vector<EnrollEndpoint> bootstrap;  // its bootstrap-node entries
};
// Nullopt when `dir` holds no complete enrollment; an error when it holds a broken one. The
// document is parsed again, not re-verified (it was when fetched; its expiration may be past).
Expected<std::optional<StoredEnrollment>, std::string> read_enrollment(const std::string& dir);

// A new certificate for the enrollment in options.data_dir (the server gives the user's
// remembered Node-ID back, §11.3): enrolled into <dir>.new, then put in place of <dir> (the
// old files are removed only once the new ones are complete). Blocking (network): call it off
// the event loop once a node runs.
EnrollClientResult renew_enrollment(const EnrollClientOptions& options);

}  // namespace p2psip::overlay
