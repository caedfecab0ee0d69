#pragma once
// The registrar front-end's state, pure: the Registrar's decision applied to the phones'
// bindings, with the failed-attempt limit (403 after 3 wrong passwords for the same
// credentials' username from the same source, and 403 to everything with that username from
// that source while the lock lasts) and the source address of each registered AoR (a registered phone is a trusted
// sender). Time comes in with every call; the SIP adapter (gateway/sip/phone_front_end.h)
// turns a RegisterAnswer into a response and arms one timer from next_expiry().

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/registrar/binding_table.h"
#include "gateway/registrar/failed_attempts.h"
#include "gateway/registrar/nonce_counter.h"
#include "gateway/registrar/registrar.h"

namespace p2psip::registrar {

// What the overlay holds for a phone's AoR (one SIP-REGISTRATION value per storing node, RFC
// 7904 §3.2): the contact of the binding that lasts longest, for as long as it lasts.
struct OverlayBinding {
  std::string contact;
  std::uint32_t seconds = 0;
  bool operator==(const OverlayBinding&) const = default;
};

struct RegisterAnswer {
  int status = 500;
  std::string phrase;
  std::vector<std::string> www_authenticate;  // 401: one header each
  std::vector<std::string> contacts;          // 200: "<uri>;expires=N", the AoR's bindings
  std::uint32_t min_expires = 0;              // 423: Min-Expires
  std::string reason;                         // 400/403: why (for the log)
  std::string aor;                            // 200: the normalised AoR
};

class PhoneRegistry {
 public:
  explicit PhoneRegistry(Registrar registrar, FailedAttempts limits = FailedAttempts{});

  // One REGISTER from `source_ip` (numeric). `now` (monotonic) times the bindings and the
  // failed-attempt limit; `nonce_now` the nonces, which other gateways of the site check too:
  // the wall clock (ms since the epoch), the one time base the hosts of a site share.
  RegisterAnswer handle(const RegisterFacts& facts, const std::string& source_ip, Millis now,
                        Millis nonce_now);
  // The same with one time base for both (tests).
  RegisterAnswer handle(const RegisterFacts& facts, const std::string& source_ip, Millis now) {
    return handle(facts, source_ip, now, now);
  }
  // The current contacts of a registered AoR ("user@domain", domain lower-case).
  std::vector<std::string> contacts(std::string_view aor, Millis now) const;
  // The binding to publish in the overlay for this AoR; nullopt when it has none left.
  std::optional<OverlayBinding> overlay_binding(std::string_view aor, Millis now) const;
  // Whether a phone with unexpired bindings registered from this address.
  bool known_source(std::string_view ip, Millis now) const;
  // Drops expired bindings (and the sources of AoRs left without any).
  std::vector<Expired> expire(Millis now);
  std::optional<Millis> next_expiry() const { return table_.next_expiry(); }
  const config::PhoneBook& phones() const { return registrar_.phones(); }
  // A reload: `phones` replace the credentials; the bindings of users no longer in it are
  // dropped at once (a phone taken out of the file is no longer routable nor a trusted
  // sender) and returned. The others keep their bindings, a changed password included.
  std::vector<Expired> replace_phones(config::PhoneBook phones);
  std::size_t bindings() const { return table_.size(); }

 private:
  RegisterAnswer accept(const Accepted& accepted, const std::string& source_ip, Millis now);
  void forget_if_empty(const std::string& aor, Millis now);

  Registrar registrar_;
  FailedAttempts limits_;
  NonceCounter counts_;
  BindingTable table_;
  std::map<std::string, std::string, std::less<>> sources_;  // AoR -> source address
};

}  // namespace p2psip::registrar
