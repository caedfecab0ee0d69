#pragma once
// Sofia's tport wants TLS credentials as a directory (TPTAG_CERTIFICATE): agent.pem holding the
// private key and the certificate chain, cafile.pem the CAs that verify peers. TlsMaterial
// builds such a directory (mode 0700, files 0600) under the node's data_dir (which holds the
// node's key already, so a directory left by a killed process stays there) from configured PEM
// files, and removes it when destroyed.

#include <memory>
#include <string>

#include "common/expected.h"

namespace p2psip::sip {

struct TlsFiles {
  std::string cert;  // PEM certificate (chain allowed)
  std::string key;   // PEM private key
  std::string ca;    // PEM CA bundle
};

class TlsMaterial {
 public:
  // Errors name the file that could not be read or written.
  static Expected<std::unique_ptr<TlsMaterial>, std::string> create(const TlsFiles& files,
                                                                    const std::string& parent);
  ~TlsMaterial();
  TlsMaterial(const TlsMaterial&) = delete;
  TlsMaterial& operator=(const TlsMaterial&) = delete;

  const std::string& dir() const { return dir_; }

 private:
  explicit TlsMaterial(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace p2psip::sip
