#include "overlay/security/ca_dir.h"

#include <sys/stat.h>

#include <system_error>

#include "overlay/security/files.h"

namespace p2psip::security {

namespace {

CaError usage(std::string m) { return {CaError::Kind::usage, std::move(m)}; }
CaError runtime(std::string m) { return {CaError::Kind::runtime, std::move(m)}; }

bool path_exists(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(p, ec));
}

// The output files must not exist and their directory must.
Expected<void, CaError> check_outputs(const std::filesystem::path& crt,
                                      const std::filesystem::path& key) {
  for (const auto& p : {crt, key}) {
    if (path_exists(p)) return unexpected(usage(p.string() + " already exists; not overwriting it"));
  }
  std::filesystem::path parent = crt.parent_path().empty() ? "." : crt.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec)) {
    return unexpected(usage("output directory " + parent.string() + " does not exist"));
  }
  return {};
}

Expected<void, CaError> write_pair(const std::filesystem::path& crt, ByteView crt_pem,
                                   const std::filesystem::path& key, ByteView key_pem) {
  // The key first: a certificate is never visible without its key.
  const NewFile files[] = {{key, key_pem, 0600}, {crt, crt_pem, 0644}};
  auto written = write_new_files(files);
  if (!written) return unexpected(runtime(written.error()));
  return {};
}

Expected<std::vector<NodeId>, CaError> node_ids_from(const std::vector<std::string>& hex) {
  std::vector<NodeId> ids;
  for (const std::string& h : hex) {
    auto id = parse_node_id_hex(h);
    if (!id) return unexpected(usage("Node-ID '" + h.substr(0, 80) + "' is not 32 hex digits"));
    ids.push_back(*id);
  }
  if (ids.empty()) {
    auto id = random_node_id();
    if (!id) return unexpected(runtime(id.error()));
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace

std::filesystem::path ca_cert_path(const std::filesystem::path& dir) { return dir / "ca.crt"; }
std::filesystem::path ca_key_path(const std::filesystem::path& dir) { return dir / "ca.key"; }

Expected<CaInitResult, CaError> init_ca_dir(const CaInitOptions& o, SysSeconds now) {
  if (!is_valid_overlay_name(o.overlay)) {
    return unexpected(usage("overlay name '" + o.overlay.substr(0, 80) +
                            "' is not a DNS-style name (letters, digits, '-', '.')"));
  }
  if (o.days < 1 || o.days > kMaxDays) {
    return unexpected(usage("--days must be between 1 and " + std::to_string(kMaxDays)));
  }
  if (o.dir.empty()) return unexpected(usage("no CA directory given"));
  std::error_code ec;
  if (path_exists(o.dir) && !std::filesystem::is_directory(o.dir, ec)) {
    return unexpected(usage(o.dir.string() + " exists and is not a directory"));
  }
  CaInitResult result{"", ca_cert_path(o.dir), ca_key_path(o.dir)};
  for (const auto& p : {result.cert_path, result.key_path}) {
    if (path_exists(p)) return unexpected(usage(p.string() + " already exists; not overwriting it"));
  }
  auto ca = CertificateAuthority::create(o.overlay, o.key_type, o.days, now);
  if (!ca) return unexpected(runtime(ca.error()));
  auto crt_pem = ca->root().to_pem();
  auto key_pem = ca->key().to_pem();
  if (!crt_pem || !key_pem) return unexpected(runtime(!crt_pem ? crt_pem.error() : key_pem.error()));
  bool made_dir = std::filesystem::create_directories(o.dir, ec);
  if (ec) return unexpected(runtime("cannot create " + o.dir.string() + ": " + ec.message()));
  if (made_dir) ::chmod(o.dir.c_str(), 0700);
  auto written = write_pair(result.cert_path, *crt_pem, result.key_path, *key_pem);
  if (!written) {
    if (made_dir) std::filesystem::remove(o.dir, ec);
    return unexpected(written.error());
  }
  result.overlay = ca->overlay();
  return result;
}

Expected<CertificateAuthority, CaError> load_ca_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return unexpected(runtime("CA directory " + dir.string() + " does not exist (run 'p2psip ca init')"));
  }
  auto root = RootCertificate::load(ca_cert_path(dir));
  if (!root) return unexpected(runtime("no usable CA certificate: " + root.error()));
  auto key = PrivateKey::load(ca_key_path(dir));
  if (!key) return unexpected(runtime("no usable CA key: " + key.error()));
  auto ca = CertificateAuthority::from_parts(std::move(root).value(), std::move(key).value());
  if (!ca) return unexpected(runtime(dir.string() + ": " + ca.error()));
  return std::move(ca).value();
}

Expected<CaIssueResult, CaError> issue_to_files(const CaIssueOptions& o, SysSeconds now) {
  if (!is_valid_user_name(o.user)) {
    return unexpected(usage("user '" + o.user.substr(0, 80) + "' is not of the form user@domain"));
  }
  if (o.out_prefix.empty() || o.out_prefix.filename().empty()) {
    return unexpected(usage("--out must name a file prefix"));
  }
  auto ids = node_ids_from(o.node_ids_hex);
  if (!ids) return unexpected(ids.error());
  IssueRequest request{o.user, *ids, o.key_type, o.days};
  if (auto valid = validate_request(request); !valid) return unexpected(usage(valid.error()));
  CaIssueResult result{*ids, o.user, "", o.out_prefix, o.out_prefix};
  result.cert_path += ".crt";
  result.key_path += ".key";
  if (auto ok = check_outputs(result.cert_path, result.key_path); !ok) return unexpected(ok.error());
  auto ca = load_ca_dir(o.dir);
  if (!ca) return unexpected(ca.error());
  auto issued = ca->issue(request, now);
  if (!issued) return unexpected(runtime(issued.error()));
  auto crt_pem = issued->certificate.to_pem();
  auto key_pem = issued->key.to_pem();
  if (!crt_pem || !key_pem) return unexpected(runtime(!crt_pem ? crt_pem.error() : key_pem.error()));
  if (auto ok = write_pair(result.cert_path, *crt_pem, result.key_path, *key_pem); !ok) {
    return unexpected(ok.error());
  }
  result.overlay = ca->overlay();
  return result;
}

}  // namespace p2psip::security
