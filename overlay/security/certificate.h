#pragma once
// A RELOAD peer certificate (RFC 6940 §11.3), checked when parsed: X.509 v3, empty subject,
// exactly one critical subjectAltName holding one or more reload:// Node-ID URIs of a single
// overlay and exactly one rfc822Name (the user name), and nothing else; not a CA; an RSA
// (>= 2048 bits) or EC P-256 key. Parsing is fed bytes from the network: every rejection is
// an error value that says what is wrong.
//
// RootCertificate is an overlay trust anchor (a "root-cert" of the configuration): any CA
// certificate. Roots made by `p2psip ca init` also name their overlay (see ca.h).

#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/security/handles.h"
#include "overlay/security/identity.h"
#include "overlay/security/keys.h"

namespace p2psip::security {

inline constexpr std::size_t kMaxCertificateSize = 16 * 1024;
inline constexpr std::size_t kMaxNodeIdsPerCertificate = 16;

using SysSeconds = std::chrono::sys_seconds;

class RootCertificate {
 public:
  static Expected<RootCertificate, std::string> from_der(ByteView der);
  static Expected<RootCertificate, std::string> from_pem(ByteView pem);
  static Expected<RootCertificate, std::string> load(const std::filesystem::path& pem_path);

  // The overlay this root serves (its subjectAltName dNSName), or "" when it names none.
  const std::string& overlay() const { return overlay_; }
  ByteView der() const { return der_; }
  Expected<Bytes, std::string> to_pem() const;
  X509* x509() const { return x509_.get(); }

  RootCertificate(const RootCertificate& other);
  RootCertificate& operator=(const RootCertificate&) = delete;
  RootCertificate(RootCertificate&&) noexcept = default;
  RootCertificate& operator=(RootCertificate&&) noexcept = default;

 private:
  RootCertificate(X509Ptr x509, Bytes der, std::string overlay)
      : x509_(std::move(x509)), der_(std::move(der)), overlay_(std::move(overlay)) {}
  X509Ptr x509_;
  Bytes der_;
  std::string overlay_;
};

class Certificate {
 public:
  // When expected_overlay is not empty the Node-ID URIs must name that overlay.
  static Expected<Certificate, std::string> from_der(ByteView der,
                                                     std::string_view expected_overlay = {});
  static Expected<Certificate, std::string> from_pem(ByteView pem,
                                                     std::string_view expected_overlay = {});
  static Expected<Certificate, std::string> load(const std::filesystem::path& pem_path,
                                                 std::string_view expected_overlay = {});

  const std::vector<NodeId>& node_ids() const { return node_ids_; }
  bool has_node_id(const NodeId& id) const;
  const std::string& user() const { return user_; }
  const std::string& overlay() const { return overlay_; }
  ByteView der() const { return der_; }  // exactly the bytes parsed
  Expected<Bytes, std::string> to_pem() const;
  EVP_PKEY* public_key() const { return public_key_.get(); }
  KeyType key_type() const { return key_type_; }
  X509* x509() const { return x509_.get(); }

  // PKIX path validation to one of the roots at time `now` (OpenSSL X509_verify_cert with
  // X509_V_FLAG_X509_STRICT: signatures, validity, basicConstraints, key usage).
  Expected<void, std::string> verify_chain(const RootCertificate& root, SysSeconds now) const;
  Expected<void, std::string> verify_chain(std::span<const RootCertificate> roots,
                                           SysSeconds now) const;

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate&) = delete;
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;

 private:
  Certificate() = default;
  X509Ptr x509_;
  EvpPkeyPtr public_key_;
  Bytes der_;
  std::vector<NodeId> node_ids_;
  std::string user_;
  std::string overlay_;
  KeyType key_type_ = KeyType::rsa2048;

  friend class CertificateParser;
};

// DER bytes of the first PEM "CERTIFICATE" block.
Expected<Bytes, std::string> pem_certificate_to_der(ByteView pem);
// A PEM "CERTIFICATE" block for DER bytes.
Expected<Bytes, std::string> der_certificate_to_pem(ByteView der);

}  // namespace p2psip::security
