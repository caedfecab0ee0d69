#pragma once
// The on-disk CA of `p2psip ca`: DIR/ca.crt (PEM, 0644) and DIR/ca.key (PEM, 0600).
// Every input is checked before anything is written; files are written to temporary names
// and linked into place, never overwriting, and removed again if a later file fails.
// Errors are one line and say whether the command line (usage) or the system (runtime) is
// at fault, so the CLI can exit 2 or 1.

#include <filesystem>
#include <string>
#include <vector>

#include "common/expected.h"
#include "overlay/security/ca.h"

namespace p2psip::security {

struct CaError {
  enum class Kind { usage, runtime };
  Kind kind;
  std::string message;
  int exit_code() const { return kind == Kind::usage ? 2 : 1; }
};

struct CaInitOptions {
  std::string overlay;
  std::filesystem::path dir;
  KeyType key_type = KeyType::rsa2048;
  int days = kDefaultRootDays;
};

struct CaInitResult {
  std::string overlay;
  std::filesystem::path cert_path;
  std::filesystem::path key_path;
};

struct CaIssueOptions {
  std::filesystem::path dir;
  std::string user;
  std::vector<std::string> node_ids_hex;  // empty: one random Node-ID
  KeyType key_type = KeyType::rsa2048;
  int days = kDefaultIssueDays;
  std::filesystem::path out_prefix;  // writes <prefix>.crt and <prefix>.key
};

struct CaIssueResult {
  std::vector<NodeId> node_ids;
  std::string user;
  std::string overlay;
  std::filesystem::path cert_path;
  std::filesystem::path key_path;
};

std::filesystem::path ca_cert_path(const std::filesystem::path& dir);  // DIR/ca.crt
std::filesystem::path ca_key_path(const std::filesystem::path& dir);   // DIR/ca.key

// Creates DIR (0700) when missing; refuses when ca.crt or ca.key exists.
Expected<CaInitResult, CaError> init_ca_dir(const CaInitOptions& options, SysSeconds now);
Expected<CertificateAuthority, CaError> load_ca_dir(const std::filesystem::path& dir);
Expected<CaIssueResult, CaError> issue_to_files(const CaIssueOptions& options, SysSeconds now);

}  // namespace p2psip::security
