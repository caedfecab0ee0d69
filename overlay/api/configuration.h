#pragma once
// ConfigurationKeeper: the configuration document of a Node (types.h ConfigurationSource, RFC
// 6940 §11.1). Loaded and verified when the node is created (a certificate whose Node-ID a
// bad-node entry lists is refused then); a newer version is accepted from a ConfigUpdate
// (§6.5.4.2: newer sequence, correctly signed) or fetched over HTTPS, on a libuv worker thread
// so that the loop never blocks, when a peer shows a newer sequence (at most every
// kMinFetchInterval) and at a random time before the document expires (refresh_delay). Each
// accepted version replaces the file and goes to the peer::Node (sequence, bytes, bad nodes).
//
// A newer version must keep the root-cert(s) of the one in use and be signed by one of its
// configuration-signers: any enrolled node holds a certificate of the same CA, and must not be
// able to sign a document naming itself as configuration-signer. A root or signer change needs
// a new enrollment.

#include <uv.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/uv_handle.h"
#include "overlay/enroll/config_document.h"
#include "overlay/enroll/kind_update.h"
#include "overlay/peer/node.h"
#include "p2psip/overlay/types.h"

namespace p2psip::overlay {

// When to fetch the document again: a uniformly random point (`u` in [0, 1)) between half and
// nine tenths of min(time left before `expiration`, kMaxRefresh); 0 when it has expired.
inline constexpr std::chrono::seconds kMaxRefresh{3600};
std::chrono::milliseconds refresh_delay(security::SysSeconds now, security::SysSeconds expiration, double u);

class ConfigurationKeeper final : public peer::ConfigurationHandler {
 public:
  static constexpr Millis kMinFetchInterval{30000};

  // nullptr (no error) when the config names no document.
  static Expected<std::unique_ptr<ConfigurationKeeper>, Error> load(uv_loop_t* loop, const NodeConfig& config,
                                                                    const Clock& clock, LogFn log);
  ~ConfigurationKeeper() override;
  ConfigurationKeeper(const ConfigurationKeeper&) = delete;
  ConfigurationKeeper& operator=(const ConfigurationKeeper&) = delete;

  // Hands the document to `node` (which must outlive this keeper's use of it) and starts the
  // refresh timer.
  void attach(peer::Node& node);
  std::uint16_t sequence() const { return sequence_; }
  const enroll::ParsedConfig& current() const { return current_; }

  Verdict offered(Millis now, ByteView config_data, const peer::NodeId& from) override;
  Verdict kinds_offered(Millis now, const std::vector<Bytes>& kinds, const peer::NodeId& from) override;
  void newer_seen(Millis now, std::uint16_t sequence, const peer::NodeId& from) override;

 private:
  struct Fetch;  // one HTTPS fetch on the thread pool (configuration.cpp)
  ConfigurationKeeper(uv_loop_t* loop, const Clock& clock, LogFn log);
  security::SysSeconds wall() const;
  // The checks of a newer version (see above); the parsed document or why not.
  Expected<enroll::ParsedConfig, std::string> check_newer(std::string_view text) const;
  void apply(std::string text, enroll::ParsedConfig parsed, const std::string& source);
  // The document's kinds (and those of accepted kind updates) into the node's registry
  // (configuration_kinds.cpp).
  void apply_kinds(const std::vector<enroll::VerifiedKind>& kinds, const std::string& source);
  std::vector<enroll::VerifiedKind> document_kinds() const;
  void fetch(const std::string& why);
  void fetched(Expected<std::string, std::string> body);
  void schedule_refresh();
  void log(LogLevel level, const std::string& line) const {
    if (log_) log_(level, line);
  }

  uv_loop_t* loop_;
  const Clock& clock_;
  LogFn log_;
  std::string path_, url_, ca_file_, fingerprint_, overlay_;
  enroll::ParsedConfig current_;
  std::string text_;
  std::uint16_t sequence_ = 0;
  peer::Node* node_ = nullptr;
  uv::Timer timer_;
  bool fetching_ = false;
  std::optional<Millis> last_fetch_;
  std::map<std::string, enroll::VerifiedKind> kinds_;  // by kind_key: what the node runs
  std::shared_ptr<ConfigurationKeeper*> self_;  // a finished fetch finds us through it (or not)
};

// The bad-node entries of a document as Node-IDs (entries that are no Node-ID are skipped).
std::vector<security::NodeId> bad_node_ids(const enroll::ParsedConfig& config);

}  // namespace p2psip::overlay
