// `p2psip lookup`: fetches every SIP-REGISTRATION (RFC 7904) of an AoR from the overlay as a
// RELOAD client, follows uri-form indirection inside the overlay, and prints one contact per
// line: a SIP URI, or "route NODE-ID..." for a route-form registration.
// Exit codes (scripts and tests tell "removed" from "could not look"):
//   0 found (contacts on stdout)     1 no registration: the overlay answered, nothing stored
//   2 bad usage or configuration     3 lookup failed: no connection, timeout, error answer,
//                                      or only values that failed verification

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "gateway/cli/client_flags.h"
#include "gateway/cli/command.h"
#include "gateway/runtime/gateway_process.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::cli {

namespace {

constexpr int kExitFound = 0;
constexpr int kExitNoRegistration = 1;
constexpr int kExitLookupFailed = 3;
static_assert(runtime::kExitConfigError == 2 && kExitLookupFailed != runtime::kExitConfigError);

struct LookupOptions {
  ClientFlags client;
  std::string aor;
};

std::string route_line(const std::vector<std::string>& node_ids) {
  std::string out = "route";
  for (const std::string& id : node_ids) out += " " + id;
  return out;
}

int print(const std::string& tool, const std::string& aor, const overlay::Resolution& r) {
  for (const std::string& uri : r.uris) std::printf("%s\n", uri.c_str());
  for (const auto& route : r.routes) std::printf("%s\n", route_line(route).c_str());
  if (r.rejected_values != 0) {
    std::fprintf(stderr, "%s: %zu value(s) dropped: bad signature or not the AoR's owner\n",
                 tool.c_str(), r.rejected_values);
  }
  if (r.depth_exceeded) {
    std::fprintf(stderr, "%s: indirection deeper than %zu levels not followed\n", tool.c_str(),
                 overlay::kMaxIndirection);
  }
  if (!r.empty()) return kExitFound;
  // Nothing usable. "No registration" only when every fetch was answered and every value in
  // the answers was a valid one (or a tombstone): else we cannot tell that none exists.
  if (r.rejected_values != 0 || r.failed_lookups != 0 || r.depth_exceeded) {
    std::fprintf(stderr, "%s: %s: lookup failed: no usable answer (%zu fetch(es) failed, %zu "
                 "value(s) rejected)\n", tool.c_str(), aor.c_str(), r.failed_lookups,
                 r.rejected_values);
    return kExitLookupFailed;
  }
  std::fprintf(stderr, "%s: %s: no registration\n", tool.c_str(), aor.c_str());
  return kExitNoRegistration;
}

int run_lookup(const LookupOptions& o) {
  const std::string tool = "p2psip lookup";
  auto aor = overlay::normalize_aor(o.aor);
  if (!aor) {
    std::fprintf(stderr, "%s: AOR '%s': %s\n", tool.c_str(), o.aor.c_str(), aor.error().c_str());
    return runtime::kExitConfigError;
  }
  auto options = o.client.options(tool);
  if (!options) return runtime::kExitConfigError;
  options->failure_exit = kExitLookupFailed;
  return runtime::run_overlay_client(tool, *options, [&](runtime::ClientSession& s, auto finish) {
    s.lookup(*aor, [&, finish](Expected<overlay::Resolution, overlay::Failure> r) {
      if (!r) {
        std::fprintf(stderr, "%s: %s: %s\n", tool.c_str(), aor->c_str(),
                     r.error().message.c_str());
        return finish(kExitLookupFailed);  // no answer, an error answer, or a bad answer
      }
      finish(print(tool, *aor, *r));
    });
  });
}

}  // namespace

void add_lookup_command(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand(
      "lookup",
      "Look an AoR up in the overlay (RFC 7904), as a RELOAD client through --bootstrap, and\n"
      "print its contacts, one per line (a SIP URI, or 'route NODE-ID...'). Registrations\n"
      "pointing at another AoR of the overlay are followed. Every value's signature is checked\n"
      "against the overlay's CA (--ca). Exit codes:\n"
      "  0  found: the contacts are printed\n"
      "  1  no registration: the overlay answered, nothing is stored for the AoR\n"
      "  2  bad usage or configuration\n"
      "  3  lookup failed: no connection, timeout, an error answer (its RELOAD name is\n"
      "     printed) or only values that fail verification");
  auto o = std::make_shared<LookupOptions>();
  cmd->add_option("AOR", o->aor, "Address of record, with or without sip: "
                                 "(alice@p2p.example.com)")->required();
  o->client.add_to(*cmd);
  cmd->callback([&selected, o] { selected = [o] { return run_lookup(*o); }; });
}

}  // namespace p2psip::cli
