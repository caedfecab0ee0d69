#pragma once
// The overlay's certificate authority on disk (RFC 6940 §11.3 certificates), as `p2psip ca`
// and a development setup use it: DIR/ca.crt (PEM, 0644) and DIR/ca.key (PEM, 0600).
// Every input is checked before anything is written; files are never overwritten.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "p2psip/overlay/types.h"

namespace p2psip::overlay {

using SysSeconds = std::chrono::sys_seconds;

enum class KeyType : std::uint8_t { kRsa2048, kEcP256 };
// "rsa" -> kRsa2048, "ec" -> kEcP256; anything else -> nullopt.
std::optional<KeyType> parse_key_type(std::string_view name);

inline constexpr int kDefaultRootDays = 3650;
inline constexpr int kDefaultIssueDays = 365;
inline constexpr int kMaxDays = 36500;

// kUsage: the caller's input is wrong (exit 2 for a CLI); kRuntime: the system (exit 1).
struct CaError {
  enum class Kind : std::uint8_t { kUsage, kRuntime };
  Kind kind = Kind::kRuntime;
  std::string message;  // one line
  int exit_code() const { return kind == Kind::kUsage ? 2 : 1; }
};

struct CaInitOptions {
  std::string overlay;
  std::string dir;
  KeyType key_type = KeyType::kRsa2048;
  int days = kDefaultRootDays;
};
struct CaInitResult {
  std::string overlay;
  std::string cert_path;
  std::string key_path;
};

struct CaIssueOptions {
  std::string dir;                        // made by init_ca()
  std::string user;                       // user@domain, the rfc822Name
  std::vector<std::string> node_ids_hex;  // empty: one random Node-ID
  KeyType key_type = KeyType::kRsa2048;
  int days = kDefaultIssueDays;
  std::string out_prefix;                 // writes <prefix>.crt and <prefix>.key
};
struct CaIssueResult {
  std::vector<std::string> node_ids;  // hex
  std::string user;
  std::string overlay;
  std::string cert_path;
  std::string key_path;
};

std::string ca_cert_path(const std::string& dir);  // DIR/ca.crt

// Creates DIR (0700) when missing; refuses when ca.crt or ca.key exists.
Expected<CaInitResult, CaError> init_ca(const CaInitOptions& options, SysSeconds now);
Expected<CaIssueResult, CaError> issue_certificate(const CaIssueOptions& options, SysSeconds now);

// The development CA of a new single-node overlay: <data_dir>/dev-ca/ca.{crt,key} and the
// node's <data_dir>/node.{crt,key} for `user` (empty: node@<overlay>), made when missing and
// reused afterwards; a node certificate for another user is issued again (e.g. a gateway whose
// service AoR changed: its certificate must be for that AoR, USER-NODE-MATCH).
struct DevCredentials {
  CredentialFiles files;
  std::string ca_dir;
  bool created_ca = false;    // the CA was made by this call
  std::string replaced_user;  // non-empty: the node certificate was for this user, reissued
};
// Errors: kConfig with field "overlay" when the existing CA is of another overlay; else the
// CA's failure (kConfig for a usage error, kRuntime otherwise).
Expected<DevCredentials, Error> ensure_dev_credentials(const std::string& data_dir,
                                                       const std::string& overlay,
                                                       SysSeconds now,
                                                       const std::string& user = "");

// What a certificate file holds, without checking its chain.
struct CertificateInfo {
  std::string overlay;
  std::string user;
  std::vector<std::string> node_ids;  // hex
  SysSeconds not_before{}, not_after{};  // validity (UTC)
};
Expected<CertificateInfo, std::string> read_certificate(const std::string& path);

}  // namespace p2psip::overlay
