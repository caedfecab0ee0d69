#include "gateway/runtime/overlay_client.h"

#include <csignal>
#include <cstdio>

#include "gateway/runtime/gateway_process.h"
#include "gateway/runtime/logging.h"
#include "gateway/runtime/overlay_credentials.h"
#include "p2psip/overlay/ca.h"

namespace p2psip::runtime {

namespace {

int fail(const std::string& tool, const std::string& line, int code) {
  std::fprintf(stderr, "%s: %s\n", tool.c_str(), line.c_str());
  return code;
}

}  // namespace

int run_overlay_client(const std::string& tool, const ClientOptions& o,
                       std::function<void(ClientSession&, std::function<void(int)>)> op) {
  if (auto cert = overlay::read_certificate(o.cert); !cert) {
    return fail(tool, "--cert: " + cert.error(), kExitConfigError);
  }
  std::signal(SIGPIPE, SIG_IGN);  // the library's rule (overlay.h): EPIPE, not a signal
  auto log = make_logger("client", o.log_level);
  overlay::ClientConfig c;
  c.bootstrap = {o.bootstrap.host, o.bootstrap.port};
  c.credentials = {o.cert, o.key, o.ca};
  c.timeout = o.timeout;
  c.log = [log](overlay::LogLevel level, const std::string& line) {
    if (level >= overlay::LogLevel::kWarn) log->warn("{}", line);
    else log->debug("{}", line);
  };
  auto rc = overlay::run_client(c, std::move(op));
  if (rc) return *rc;
  const overlay::ClientError& e = rc.error();
  std::string within = " within " + std::to_string(o.timeout.count() / 1000) + " s";
  switch (e.kind) {
    case overlay::ClientError::Kind::kConnectTimeout:
      return fail(tool, "could not connect to " + o.bootstrap.to_string() + within, o.failure_exit);
    case overlay::ClientError::Kind::kAnswerTimeout:
      return fail(tool, "no answer" + within, o.failure_exit);
    case overlay::ClientError::Kind::kSetup: break;
  }
  StartError s = start_error(e.error);
  return fail(tool, s.message, s.exit_code == kExitConfigError ? kExitConfigError : o.failure_exit);
}

}  // namespace p2psip::runtime
