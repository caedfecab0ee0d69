#pragma once
// The overlay certificate authority behind `p2psip ca` (and, later, the enrollment server).
//
// The root certificate: self-signed, basicConstraints CA:TRUE (critical), keyUsage
// keyCertSign+cRLSign (critical), subject CN "<overlay> RELOAD root", and the overlay name,
// machine-readable, as the single dNSName of a non-critical subjectAltName. `ca issue`
// recovers the overlay from there (RootCertificate::overlay()).
//
// Issued peer certificates (RFC 6940 §11.3): empty subject; critical subjectAltName with one
// reload URI per Node-ID and the user name as rfc822Name; basicConstraints CA:FALSE;
// keyUsage digitalSignature (+keyEncipherment for RSA), critical; extendedKeyUsage
// serverAuth+clientAuth (the link layer uses them for mutual TLS); random 159-bit serial;
// notBefore five minutes before `now` (clock skew between peers), notAfter `days` later.
//
// Everything here works in memory; ca_dir.h puts it on disk.

#include <string>
#include <vector>

#include "common/expected.h"
#include "overlay/security/certificate.h"
#include "overlay/security/identity.h"
#include "overlay/security/keys.h"

namespace p2psip::security {

inline constexpr int kDefaultRootDays = 3650;
inline constexpr int kDefaultIssueDays = 365;
inline constexpr int kMaxDays = 36500;

struct IssueRequest {
  std::string user;               // user@domain
  std::vector<NodeId> node_ids;   // 1..kMaxNodeIdsPerCertificate, distinct
  KeyType key_type = KeyType::rsa2048;
  int days = kDefaultIssueDays;
  // Tests of renewal only: when > 0, the certificate ends this many seconds after issue in
  // place of `days` (notBefore is backdated as always).
  int seconds = 0;
};

struct IssuedCredentials {
  Certificate certificate;
  PrivateKey key;
};

class CertificateAuthority {
 public:
  static Expected<CertificateAuthority, std::string> create(const std::string& overlay,
                                                            KeyType key_type, int days,
                                                            SysSeconds now);
  // A CA from its root certificate and key; the key must match and the root must name its
  // overlay.
  static Expected<CertificateAuthority, std::string> from_parts(RootCertificate root,
                                                                PrivateKey key);

  const RootCertificate& root() const { return root_; }
  const PrivateKey& key() const { return key_; }
  const std::string& overlay() const { return root_.overlay(); }

  // Generates a key and certifies it.
  Expected<IssuedCredentials, std::string> issue(const IssueRequest& request, SysSeconds now) const;
  // Certifies a public key from elsewhere (a CSR, later). Returns the DER certificate.
  Expected<Bytes, std::string> certify(EVP_PKEY* public_key, const IssueRequest& request,
                                       SysSeconds now) const;

 private:
  CertificateAuthority(RootCertificate root, PrivateKey key)
      : root_(std::move(root)), key_(std::move(key)) {}
  RootCertificate root_;
  PrivateKey key_;
};

// Checks a request before any work: user name, Node-ID count and uniqueness, days.
Expected<void, std::string> validate_request(const IssueRequest& request);

// A fresh cryptographically random Node-ID (RFC 6940 §11.3: unpredictable to the user).
Expected<NodeId, std::string> random_node_id();

}  // namespace p2psip::security
