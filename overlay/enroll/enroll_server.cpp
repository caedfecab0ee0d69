// run_enroll_server (p2psip/overlay/enroll.h): the CA, the configuration signer, the HTTPS
// certificate and the document are set up once; then every request is answered by the pure
// pieces (config_document, multipart, enrollment) and the Node-ID file is updated.

#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <cstdio>

#include "overlay/enroll/config_document.h"
#include "overlay/enroll/enrollment.h"
#include "overlay/enroll/https_server.h"
#include "overlay/enroll/multipart.h"
#include "overlay/enroll/node_id_store.h"
#include "overlay/enroll/server_certificate.h"
#include "overlay/enroll/server_setup.h"
#include "p2psip/overlay/enroll.h"

namespace p2psip::overlay {

namespace {

namespace sec = p2psip::security;
namespace en = p2psip::enroll;

constexpr std::string_view kConfigPath = "/.well-known/reload-config";
constexpr std::string_view kEnrollPath = "/enroll";

std::string refusal(std::string_view token) { return en::http_response(403, "text/plain", std::string(token) + "\n"); }

struct Server {
  const EnrollServerOptions& options;
  en::ServerSetup& setup;
  EnrollAttemptLimiter& limiter;
  EnrollObserver& observer;

  std::string answer(const en::HttpRequest& req, const std::string& peer) {
    if (req.path == kConfigPath) {
      if (req.method != "GET" && req.method != "HEAD") return en::http_response(405, "text/plain", "GET only\n");
      observer.document_served();
      std::string r = en::http_response(200, en::kConfigContentType, setup.document);
      if (req.method == "HEAD") r.resize(r.size() - setup.document.size());  // the head only
      return r;
    }
    if (req.path != kEnrollPath) return en::http_response(404, "text/plain", "not found\n");
    if (req.method != "POST") return en::http_response(405, "text/plain", "POST only\n");
    return enroll(req, peer);
  }

  std::string enroll(const en::HttpRequest& req, const std::string& peer) {
    auto parts = en::parse_form_data(req.header("content-type").value_or(""), req.body);
    if (!parts) {
      observer.refused("bad_request");
      spdlog::warn("enroll: bad request from {}: {}", peer, parts.error());
      return en::http_response(400, "text/plain", parts.error() + "\n");
    }
    en::EnrollRequest r;
    auto text = [&](const char* name) -> const en::FormPart* { return en::find_part(*parts, name); };
    if (auto* p = text("username")) r.username = p->data;
    if (auto* p = text("password")) r.password = p->data;
    if (auto* p = text("nodeids")) r.nodeids = p->data;
    if (auto* p = text("csr")) r.csr = p->data, r.csr_content_type = p->content_type;
    if (auto* p = text("node_certificate")) r.node_certificate = p->data;
    // The lockout key: the account and the source, as the registrar counts (failed_attempts.h).
    const std::string key = r.username + "|" + peer;
    if (limiter.blocked(key)) {
      observer.refused("locked_out");
      spdlog::warn("enroll: refused user '{}' from {}: locked out after repeated wrong passwords", r.username, peer);
      return refusal(en::refusal_token(en::Refusal::failed_authentication));
    }
    auto ids = setup.node_ids.find(r.username);
    std::vector<sec::NodeId> remembered = ids == setup.node_ids.end() ? std::vector<sec::NodeId>{} : ids->second;
    auto g = en::decide_enrollment(r, setup.users, remembered, sec::random_node_id, *setup.ca, setup.policy,
                                   setup.now());
    if (!g) return refused(g.error(), r.username, key, peer);
    limiter.succeeded(key);
    if (g->remembered != remembered) {
      setup.node_ids[r.username] = g->remembered;
      auto saved = en::save_node_id_map(en::node_id_store_path(options.ca_dir), setup.node_ids);
      if (!saved) {
        setup.node_ids[r.username] = remembered;
        spdlog::error("enroll: {}", saved.error());
        return en::http_response(500, "text/plain", "cannot remember the Node-IDs\n");
      }
    }
    observer.enrolled();
    std::string hex;
    for (const auto& id : g->node_ids) hex += (hex.empty() ? "" : ",") + sec::node_id_hex(id);
    spdlog::info("enroll: issued a certificate for {} (Node-ID {}) to {}", g->user, hex, peer);
    return en::http_response(200, "application/pkix-cert", to_string(g->certificate_der));
  }

  std::string refused(en::Refusal why, const std::string& user, const std::string& key, const std::string& peer) {
    if (why == en::Refusal::internal_error) {
      spdlog::error("enroll: cannot issue a certificate for '{}'", user);
      return en::http_response(500, "text/plain", "internal error\n");
    }
    if (why == en::Refusal::failed_authentication) limiter.failed(key);
    observer.refused(en::refusal_token(why));
    spdlog::warn("enroll: refused user '{}' from {}: {}", user, peer, en::refusal_token(why));
    return refusal(en::refusal_token(why));
  }
};

// Watches --bad-nodes-file (modification time and size, once a second) and signs a new document
// when its bad-node set changed; a file that does not parse keeps the document as it is.
class BadNodeWatch {
 public:
  BadNodeWatch(const EnrollServerOptions& o, en::ServerSetup& s) : options_(o), setup_(s) { changed(); }
  void tick() {
    if (options_.bad_nodes_file.empty()) return;
    auto now = std::chrono::steady_clock::now();
    if (now < next_) return;
    next_ = now + std::chrono::seconds(1);
    if (!changed()) return;
    auto reloaded = en::reload_bad_nodes(options_, setup_);
    if (!reloaded) {
      spdlog::error("enroll-server: keeping configuration sequence {}: {}", setup_.params.sequence, reloaded.error());
    } else if (*reloaded) {
      spdlog::info("enroll-server: {} changed: configuration sequence {} with {} bad node(s)",
                   options_.bad_nodes_file, setup_.params.sequence, setup_.params.bad_nodes.size());
    }
  }

 private:
  bool changed() {
    std::error_code ec;
    auto mtime = std::filesystem::last_write_time(options_.bad_nodes_file, ec);
    auto size = ec ? 0 : std::filesystem::file_size(options_.bad_nodes_file, ec);
    bool differs = mtime != mtime_ || size != size_;
    mtime_ = mtime;
    size_ = size;
    return differs;
  }
  const EnrollServerOptions& options_;
  en::ServerSetup& setup_;
  std::chrono::steady_clock::time_point next_{};
  std::filesystem::file_time_type mtime_{};
  std::uintmax_t size_ = 0;
};

}  // namespace

int run_enroll_server(const EnrollServerOptions& options, EnrollAttemptLimiter& limiter,
                      EnrollObserver& observer, const std::atomic<bool>& stop,
                      const EnrollReady& ready) {
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up mid-answer is not fatal
  auto setup = en::prepare_server(options);
  if (!setup) {
    std::fprintf(stderr, "p2psip enroll-server: %s\n", setup.error().message.c_str());
    return setup.error().exit_code;
  }
  Server server{options, **setup, limiter, observer};
  BadNodeWatch watch(options, **setup);
  spdlog::info("enroll-server: overlay {} serving https://{}{} and {} ({} users, configuration sequence {}, {} bad node(s))",
               options.overlay, (*setup)->authority, kConfigPath, kEnrollPath, (*setup)->users.size(),
               (*setup)->params.sequence, (*setup)->params.bad_nodes.size());
  if (ready) ready("https://" + (*setup)->authority + std::string(kConfigPath), (*setup)->fingerprint);
  (*setup)->https->run([&](const en::HttpRequest& r, const std::string& peer) { return server.answer(r, peer); },
                       stop, [&] { observer.connection_evicted(); }, [&] { watch.tick(); });
  return kEnrollExitOk;
}

}  // namespace p2psip::overlay
