#include "gateway/runtime/node_certificate.h"

#include <fstream>
#include <sstream>

#include "gateway/runtime/overlay_metrics.h"

namespace p2psip::runtime {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Both files' content; "" when either cannot be read.
std::string pair_content(const overlay::CredentialFiles& f) {
  std::string cert = read_file(f.cert), key = read_file(f.key);
  if (cert.empty() || key.empty()) return {};
  return cert + '\0' + key;
}

}  // namespace

CertificateFiles compare_certificate_files(const std::string& loaded, const std::string& on_disk) {
  if (on_disk.empty()) return CertificateFiles::kUnreadable;
  return on_disk == loaded ? CertificateFiles::kUnchanged : CertificateFiles::kChanged;
}

NodeCertificate::NodeCertificate(overlay::Node& node, overlay::CredentialFiles files,
                                 metrics::OverlayMetrics& metrics,
                                 std::shared_ptr<spdlog::logger> log)
    : node_(node), files_(std::move(files)), metrics_(metrics), log_(std::move(log)),
      loaded_(pair_content(files_)) {}

NodeCertificate::Swap NodeCertificate::swap_if_changed(std::string_view why) {
  std::string now = pair_content(files_);
  switch (compare_certificate_files(loaded_, now)) {
    case CertificateFiles::kUnchanged:
      return Swap::kUnchanged;
    case CertificateFiles::kUnreadable:
      log_->error("{}: the node's certificate files {} / {} cannot be read: keeping the running "
                  "certificate", why, files_.cert, files_.key);
      return Swap::kRefused;
    case CertificateFiles::kChanged:
      break;
  }
  auto swapped = node_.renew_credentials(files_);
  if (!swapped) {
    log_->error("{}: the node's new certificate files are refused, keeping the running "
                "certificate: {}: {}", why, swapped.error().field, swapped.error().message);
    return Swap::kRefused;
  }
  loaded_ = std::move(now);
  publish_certificate_expiry(files_.cert, metrics_);
  log_->info("{}: the running node now uses the certificate in {} (Node-ID {}, user {}) for new "
             "links and signatures; links up keep theirs", why, files_.cert, node_.node_id(),
             node_.user());
  if (on_swapped_) on_swapped_();
  return Swap::kSwapped;
}

}  // namespace p2psip::runtime
