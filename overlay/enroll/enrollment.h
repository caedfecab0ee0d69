#pragma once
// The enrollment decision of RFC 6940 §11.3, pure: a request (credentials, Node-ID count, CSR),
// the users, the Node-IDs remembered for the user and a random source in; a certificate or the
// §11.3 refusal token out. The caller persists new Node-IDs and does the HTTP.
//
// Order of checks: credentials first (an unauthenticated client learns nothing else, and no
// Node-ID is drawn for it: "the user MUST NOT be informed of potential (random) Node-IDs prior
// to authenticating"), then the Node-ID count, then the CSR (DER as application/pkcs10 says, or
// PEM; self-signature valid; RSA >= 2048 or P-256 key), then any user name the CSR asks for
// (a subjectAltName rfc822Name must be the user's own name, user@domain).
// Node-IDs: the remembered ones first (except bad-node ones); more are drawn only when more are
// asked for (§11.3: the same user gets the same Node-IDs back).
//
// Extension (not in §11.3), for a gateway that stores its plain phones' registrations: a
// "node_certificate" part holding a certificate of this CA. When the CSR's key is that
// certificate's key (the CSR's signature proves the requester holds it), the user's certificate
// gets that certificate's Node-IDs instead of the user's own (RFC 7904 §3.3: a registration is
// stored under the storing node's Node-ID), and nothing is remembered for the user. Any other
// node_certificate is refused with Node-IDs_not_available.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/security/ca.h"

namespace p2psip::enroll {

enum class Refusal {
  failed_authentication,
  username_not_available,
  node_ids_not_available,
  bad_csr,
  internal_error,  // not a §11.3 token: the server answers 500
};

// The §11.3 token ("failed_authentication", "Node-IDs_not_available", ...).
std::string_view refusal_token(Refusal r);

struct EnrollRequest {
  std::string username, password;
  std::optional<std::string> nodeids;  // the "nodeids" form parameter, as sent
  std::string csr;
  std::string csr_content_type;        // "" when the part had none
  std::string node_certificate;        // the extension above: PEM or DER, "" when absent
};

struct EnrollPolicy {
  std::string domain;  // user@domain
  int days = security::kDefaultIssueDays;
  int seconds = 0;  // > 0: certificates last this many seconds (renewal tests only)
  // The configuration's bad-node entries (§11.1: a certificate with such a Node-ID "MUST NOT be
  // considered valid"): a remembered Node-ID listed here is dropped and replaced by a new one.
  std::vector<security::NodeId> bad_nodes;
};

struct Granted {
  Bytes certificate_der;
  std::vector<security::NodeId> node_ids;     // in the certificate
  std::vector<security::NodeId> remembered;   // what to remember for the user from now on
  std::string user;                           // user@domain
};

using Users = std::map<std::string, std::string, std::less<>>;  // user -> password
using NodeIdSource = std::function<Expected<security::NodeId, std::string>()>;

Expected<Granted, Refusal> decide_enrollment(const EnrollRequest& request, const Users& users,
                                             const std::vector<security::NodeId>& remembered,
                                             const NodeIdSource& random_id,
                                             const security::CertificateAuthority& ca,
                                             const EnrollPolicy& policy, security::SysSeconds now);

}  // namespace p2psip::enroll
