#pragma once
// A one-shot RELOAD client session (RFC 6940 §3.2: no Join; every request goes through the
// bootstrap peer) on a libuv loop of its own: connect, run one SIP usage operation, end.
// What `p2psip register` and `p2psip lookup` are made of. The completion rule of overlay.h
// holds for the session's calls.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/expected.h"
#include "p2psip/overlay/types.h"

namespace p2psip::overlay {

struct ClientConfig {
  Endpoint bootstrap;           // an IP literal or a name: looked up with uv_getaddrinfo on the
                                // session's loop, within `timeout` (no answer: kConnectTimeout;
                                // the resolver says no: kSetup, field "bootstrap")
  CredentialFiles credentials;  // the overlay's name comes from the certificate
  Millis timeout{30000};        // the whole session: connect and operation
  LogFn log;
};

// What the operation gets once the session is connected.
class ClientSession {
 public:
  virtual ~ClientSession() = default;
  // Signed with the session's certificate (whose user name must be the AoR).
  virtual void store(std::string_view aor, const Contact& value, std::uint32_t lifetime_s,
                     StoreDone done) = 0;
  virtual void remove(std::string_view aor, std::uint32_t lifetime_s, StoreDone done) = 0;
  virtual void lookup(std::string_view aor, LookupDone done) = 0;
  virtual const std::string& user() const = 0;  // the certificate's user name
};

// Why a session produced no exit code of its own.
struct ClientError {
  enum class Kind : std::uint8_t {
    kSetup,           // `error` says what (credentials, bootstrap, listen)
    kConnectTimeout,  // not connected to the bootstrap peer within the timeout
    kAnswerTimeout,   // connected, but the operation did not finish within the timeout
  };
  Kind kind = Kind::kSetup;
  Error error;
};

// `op` runs once connected and calls `finish(code)` exactly once; run_client returns that
// code. Blocks the calling thread for at most config.timeout (a name lookup already under way
// in libuv's thread pool when it expires is waited for: the system resolver's timeouts bound it).
Expected<int, ClientError> run_client(
    const ClientConfig& config,
    std::function<void(ClientSession& session, std::function<void(int code)> finish)> op);

}  // namespace p2psip::overlay
