// read_enrollment and renew_enrollment (p2psip/overlay/enroll.h): a node's own enrollment
// directory, as run_enroll_client writes it, read back and renewed in place.

#include <filesystem>
#include <system_error>

#include "overlay/enroll/config_document.h"
#include "overlay/security/files.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::overlay {

namespace {

namespace fs = std::filesystem;
namespace en = p2psip::enroll;

constexpr const char* kFiles[] = {"node.key", "node.crt", "ca.crt", "reload-config.xml"};

bool complete(const fs::path& dir) {
  std::error_code ec;
  for (const char* name : kFiles) {
    if (!fs::is_regular_file(dir / name, ec)) return false;
  }
  return true;
}

// A renewal interrupted between its two renames leaves <dir>.new complete and no <dir>.
void finish_interrupted_renewal(const fs::path& dir) {
  fs::path fresh = dir.string() + ".new";
  std::error_code ec;
  if (!fs::exists(dir, ec) && complete(fresh)) fs::rename(fresh, dir, ec);
}

}  // namespace

Expected<std::optional<StoredEnrollment>, std::string> read_enrollment(const std::string& dir_text) {
  fs::path dir(dir_text);
  finish_interrupted_renewal(dir);
  if (!complete(dir)) return std::optional<StoredEnrollment>{};
  StoredEnrollment e;
  e.cert = (dir / "node.crt").string();
  e.key = (dir / "node.key").string();
  e.ca = (dir / "ca.crt").string();
  e.document = (dir / "reload-config.xml").string();
  auto text = security::read_file(e.document);
  if (!text) return unexpected(text.error());
  auto parsed = en::parse_config_document(
      std::string_view(reinterpret_cast<const char*>(text->data()), text->size()));
  if (!parsed) return unexpected("'" + e.document + "': " + parsed.error());
  e.overlay = parsed->instance_name;
  for (const en::BootstrapNode& b : parsed->bootstrap_nodes) e.bootstrap.push_back({b.address, b.port});
  return std::optional<StoredEnrollment>(std::move(e));
}

EnrollClientResult renew_enrollment(const EnrollClientOptions& options) {
  fs::path dir(options.data_dir);
  fs::path fresh = dir.string() + ".new", old = dir.string() + ".old";
  std::error_code ec;
  fs::remove_all(fresh, ec);  // a renewal that failed half-way
  EnrollClientOptions o = options;
  o.data_dir = fresh.string();
  EnrollClientResult r = run_enroll_client(o);
  if (r.exit_code != kEnrollExitOk) {
    fs::remove_all(fresh, ec);
    return r;
  }
  fs::remove_all(old, ec);
  fs::rename(dir, old, ec);
  if (!ec) fs::rename(fresh, dir, ec);
  if (ec) {
    r.exit_code = kEnrollExitFailed;
    r.message = "cannot put the renewed files in place of '" + dir.string() + "': " + ec.message();
    return r;
  }
  fs::remove_all(old, ec);
  return r;
}

}  // namespace p2psip::overlay
