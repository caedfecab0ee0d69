// `p2psip ca`: the overlay certificate authority (RFC 6940 §11.3 certificates).
//   p2psip ca init  --overlay NAME --dir DIR [--key-type rsa|ec] [--days N]
//   p2psip ca issue --dir DIR --user USER [--node-id HEX]... [--key-type rsa|ec] [--days N]
//                   --out PREFIX
// Options are taken as text and checked here, so every mistake is one line on stderr.
// Exit codes: 0 done, 2 usage error (bad or missing option, output exists), 1 runtime failure
// (CA directory missing or unreadable, I/O or crypto failure). Nothing is written on failure.
#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gateway/cli/command.h"
#include "p2psip/overlay/ca.h"

namespace p2psip::cli {

namespace {

namespace ov = p2psip::overlay;

struct InitArgs {
  std::string overlay, dir, key_type = "rsa", days;
};

struct IssueArgs {
  std::string dir, user, key_type = "rsa", days, out;
  std::vector<std::string> node_ids;
};

int usage_error(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "p2psip ca %s: %s\n", cmd, message.c_str());
  return 2;
}

int report(const char* cmd, const ov::CaError& e) {
  std::fprintf(stderr, "p2psip ca %s: %s\n", cmd, e.message.c_str());
  return e.exit_code();
}

ov::SysSeconds now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// Fills key type and days; returns an error message or "".
std::string parse_common(const std::string& key_type, const std::string& days_text,
                         int default_days, ov::KeyType& type, int& days) {
  auto parsed = ov::parse_key_type(key_type);
  if (!parsed) return "--key-type must be rsa or ec, not '" + key_type + "'";
  type = *parsed;
  days = default_days;
  if (days_text.empty()) return "";
  auto [end, ec] = std::from_chars(days_text.data(), days_text.data() + days_text.size(), days);
  if (ec != std::errc() || end != days_text.data() + days_text.size() || days < 1 ||
      days > ov::kMaxDays) {
    return "--days must be a whole number from 1 to " + std::to_string(ov::kMaxDays);
  }
  return "";
}

int run_init(const InitArgs& a) {
  if (a.overlay.empty()) return usage_error("init", "--overlay is required");
  if (a.dir.empty()) return usage_error("init", "--dir is required");
  ov::CaInitOptions o{a.overlay, a.dir, ov::KeyType::kRsa2048, ov::kDefaultRootDays};
  if (auto e = parse_common(a.key_type, a.days, ov::kDefaultRootDays, o.key_type, o.days); !e.empty()) {
    return usage_error("init", e);
  }
  auto r = ov::init_ca(o, now());
  if (!r) return report("init", r.error());
  std::printf("overlay: %s\ncertificate: %s\nkey: %s\n", r->overlay.c_str(),
              r->cert_path.c_str(), r->key_path.c_str());
  return 0;
}

int run_issue(const IssueArgs& a) {
  if (a.dir.empty()) return usage_error("issue", "--dir is required");
  if (a.user.empty()) return usage_error("issue", "--user is required");
  if (a.out.empty()) return usage_error("issue", "--out is required");
  ov::CaIssueOptions o{a.dir, a.user, a.node_ids, ov::KeyType::kRsa2048, ov::kDefaultIssueDays,
                        a.out};
  if (auto e = parse_common(a.key_type, a.days, ov::kDefaultIssueDays, o.key_type, o.days); !e.empty()) {
    return usage_error("issue", e);
  }
  auto r = ov::issue_certificate(o, now());
  if (!r) return report("issue", r.error());
  for (const std::string& id : r->node_ids) std::printf("node-id: %s\n", id.c_str());
  std::printf("user: %s\noverlay: %s\ncertificate: %s\nkey: %s\n", r->user.c_str(),
              r->overlay.c_str(), r->cert_path.c_str(), r->key_path.c_str());
  return 0;
}

void add_init(CLI::App& ca, Action& selected) {
  auto args = std::make_shared<InitArgs>();
  auto* cmd = ca.add_subcommand("init", "Create a new overlay root CA: DIR/ca.crt and DIR/ca.key (0600)");
  cmd->add_option("--overlay", args->overlay, "Overlay name (DNS-style), recorded in the root")->type_name("NAME");
  cmd->add_option("--dir", args->dir, "CA directory (created 0700 if missing)")->type_name("DIR");
  cmd->add_option("--key-type", args->key_type, "rsa (RSA-2048, default) or ec (P-256)")->type_name("rsa|ec");
  cmd->add_option("--days", args->days, "Root validity in days (default 3650)")->type_name("N");
  cmd->callback([&selected, args] { selected = [args] { return run_init(*args); }; });
}

void add_issue(CLI::App& ca, Action& selected) {
  auto args = std::make_shared<IssueArgs>();
  auto* cmd = ca.add_subcommand(
      "issue", "Issue a peer certificate and key: PREFIX.crt and PREFIX.key (0600); prints the Node-IDs");
  cmd->add_option("--dir", args->dir, "CA directory made by 'ca init'")->type_name("DIR");
  cmd->add_option("--user", args->user, "User name, user@domain (the rfc822Name)")->type_name("USER");
  cmd->add_option("--node-id", args->node_ids,
                  "Node-ID, 32 hex digits; repeat for several (default: one random). A lab and test tool: "
                  "in production the CA picks Node-IDs (RFC 6940 §11.3, p2psip enroll-server)")
      ->type_name("HEX")->allow_extra_args(false);
  cmd->add_option("--key-type", args->key_type, "rsa (RSA-2048, default) or ec (P-256)")->type_name("rsa|ec");
  cmd->add_option("--days", args->days, "Validity in days (default 365)")->type_name("N");
  cmd->add_option("--out", args->out, "Output prefix: writes PREFIX.crt and PREFIX.key")->type_name("PREFIX");
  cmd->callback([&selected, args] { selected = [args] { return run_issue(*args); }; });
}

}  // namespace

void add_ca_command(CLI::App& root, Action& selected) {
  auto* ca = root.add_subcommand("ca", "Overlay certificate authority (RFC 6940 §11.3 certificates)");
  ca->require_subcommand(1);
  add_init(*ca, selected);
  add_issue(*ca, selected);
}

}  // namespace p2psip::cli
