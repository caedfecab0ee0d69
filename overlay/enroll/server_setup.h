#pragma once
// Everything the enrollment server prepares before it serves (enroll_server.cpp): options
// checked, the CA loaded (its key stays in this process), the configuration signer (a RELOAD
// certificate of the CA kept as DIR/config-signer.{crt,key}, made on first start, so that the
// configuration-signer Node-ID stays the same across restarts), the HTTPS certificate, the
// remembered Node-IDs, the listening socket and the signed document.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/expected.h"
#include "overlay/enroll/config_document.h"
#include "overlay/enroll/enrollment.h"
#include "overlay/enroll/https_server.h"
#include "overlay/enroll/node_id_store.h"
#include "overlay/security/ca.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::enroll {

struct SetupError {
  std::string message;
  int exit_code = overlay::kEnrollExitUsage;
};

struct ServerSetup {
  std::optional<security::CertificateAuthority> ca;
  Users users;
  EnrollPolicy policy;
  NodeIdMap node_ids;
  std::string authority;  // "127.0.0.1:8443", "[::1]:8443"
  std::string document;
  std::string fingerprint;  // SHA-256 of the HTTPS certificate's DER, hex
  std::unique_ptr<HttpsServer> https;
  // The document's signer and content, for a new version when the bad-node file changes.
  std::optional<security::Certificate> signer_cert;
  std::optional<security::PrivateKey> signer_key;
  ConfigDocumentParams params;
  std::vector<security::NodeId> option_bad_nodes;  // --bad-node (always listed)
  security::SysSeconds now() const {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

Expected<std::unique_ptr<ServerSetup>, SetupError> prepare_server(const overlay::EnrollServerOptions& options);

// Re-reads options.bad_nodes_file; when the bad-node set changed, signs a new document with the
// next sequence (config_revision.h). True when the document changed.
Expected<bool, std::string> reload_bad_nodes(const overlay::EnrollServerOptions& options, ServerSetup& setup);

}  // namespace p2psip::enroll
