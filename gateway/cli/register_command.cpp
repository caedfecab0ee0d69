// `p2psip register`: stores one SIP-REGISTRATION (RFC 7904, Kind 1) for an AoR into the
// overlay as a RELOAD client, signed with --cert (whose user name must be the AoR:
// USER-NODE-MATCH), and exits. --lifetime 0... is not allowed; --remove stores the removal.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "gateway/cli/client_flags.h"
#include "gateway/cli/command.h"
#include "gateway/runtime/gateway_process.h"
#include "p2psip/overlay/overlay.h"

namespace p2psip::cli {

namespace {

struct RegisterOptions {
  ClientFlags client;
  std::string aor, contact;
  std::uint32_t lifetime = 3600;
  bool remove = false;
};

int run_register(const RegisterOptions& o) {
  const std::string tool = "p2psip register";
  auto aor = overlay::normalize_aor(o.aor);
  if (!aor) {
    std::fprintf(stderr, "%s: AOR '%s': %s\n", tool.c_str(), o.aor.c_str(), aor.error().c_str());
    return runtime::kExitConfigError;
  }
  if (!o.remove && o.contact.empty()) {
    std::fprintf(stderr, "%s: CONTACT is required (or --remove)\n", tool.c_str());
    return runtime::kExitConfigError;
  }
  auto options = o.client.options(tool);
  if (!options) return runtime::kExitConfigError;
  auto value = overlay::Contact::make_uri(o.contact);
  return runtime::run_overlay_client(tool, *options, [&](runtime::ClientSession& s, auto finish) {
    auto done = [&, finish](Expected<void, overlay::Failure> r) {
      if (!r) {
        std::fprintf(stderr, "%s: %s: %s\n", tool.c_str(), aor->c_str(),
                     r.error().message.c_str());
        return finish(runtime::kExitRuntimeError);
      }
      std::printf("%s %s\n", o.remove ? "removed" : "registered", aor->c_str());
      finish(runtime::kExitOk);
    };
    if (o.remove) {
      s.remove(*aor, o.lifetime, done);
    } else {
      s.store(*aor, value, o.lifetime, done);
    }
  });
}

}  // namespace

void add_register_command(CLI::App& root, Action& selected) {
  auto* cmd = root.add_subcommand(
      "register",
      "Store a SIP registration (RFC 7904) for AOR -> CONTACT in the overlay, as a RELOAD\n"
      "client through --bootstrap, and exit. The registration is signed with --cert, whose\n"
      "user name must be the AoR (e.g. 'p2psip ca issue --user alice@p2p.example.com');\n"
      "otherwise the overlay refuses it (Forbidden). It lasts --lifetime seconds.\n"
      "Exit 0 when stored, 1 when refused or unanswered (the RELOAD error name is printed),\n"
      "2 for bad usage.");
  auto o = std::make_shared<RegisterOptions>();
  cmd->add_option("AOR", o->aor, "Address of record, with or without sip: "
                                 "(alice@p2p.example.com)")->required();
  cmd->add_option("CONTACT", o->contact, "Where to reach it: a SIP URI (sip:alice@192.0.2.1:5060)");
  cmd->add_option("--lifetime", o->lifetime, "Seconds the registration lasts (default 3600)")
      ->check(CLI::Range(1u, 0x7fffffffu));
  cmd->add_flag("--remove", o->remove, "Remove this node's registration of AOR instead");
  o->client.add_to(*cmd);
  cmd->callback([&selected, o] { selected = [o] { return run_register(*o); }; });
}

}  // namespace p2psip::cli
