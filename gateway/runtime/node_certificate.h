#pragma once
// The running node's certificate files handed to it when they change, without a restart
// (issues 17 and 19): after a renewal while running (certificate_renewal.h) and on SIGHUP
// (reload.h, and `p2psip peer`). overlay::Node::renew_credentials checks the new pair (same
// Node-IDs and user, RFC 6940 §11.3; the overlay root; valid now; the key is its key) and
// refuses anything else: the node keeps the certificate it had, and a log line says why.
// A swapped certificate's expiry goes to p2psip_certificate_expiry_timestamp_seconds.

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "metrics/metrics.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::runtime {

// Pure: what a look at the files means. `loaded` is the content the node runs with,
// `on_disk` what the files hold now ("" when they cannot be read).
enum class CertificateFiles { kUnchanged, kChanged, kUnreadable };
CertificateFiles compare_certificate_files(const std::string& loaded, const std::string& on_disk);

class NodeCertificate {
 public:
  enum class Swap { kUnchanged, kSwapped, kRefused };
  // `files`: the node's certificate and key as it loaded them at start. Everything must
  // outlive this object.
  NodeCertificate(overlay::Node& node, overlay::CredentialFiles files,
                  metrics::OverlayMetrics& metrics, std::shared_ptr<spdlog::logger> log);

  // When the files differ from those the node runs with: hands them to the node (`why`
  // names the occasion in the log line). Reads two small local files.
  Swap swap_if_changed(std::string_view why);
  // Runs after each successful swap (the gateway re-signs its phones' bindings with it).
  void on_swapped(std::function<void()> cb) { on_swapped_ = std::move(cb); }

 private:
  overlay::Node& node_;
  overlay::CredentialFiles files_;
  metrics::OverlayMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::string loaded_;  // the files' content the node runs with
  std::function<void()> on_swapped_;
};

}  // namespace p2psip::runtime
