#pragma once
// The proxy's INVITE client transactions to UDP next hops, our own instead of nta's
// (invite_client_core.h says why: nta holds each for 32 s after the 2xx). This adapter sends
// with nta's stateless sender (nta_msg_tsend: our Via with our branch), takes the responses nta
// matches to nothing (the proxy's stray-response path), runs the timers of every transaction
// on one su_timer, builds the ACK for a non-2xx (§17.1.1.3) and the CANCEL (§9.1), and learns
// of an ICMP error for the destination through tport's pending list (tport_pend), as nta's own
// transactions do (§17.1.4: a transport error is a 503, and the branch fails over at once).
//
// What it keeps: the forwarded INVITE until a final response; after a non-2xx, only the ACK
// (for the retransmitted final, until Timer D); after a 2xx, nothing. Each transaction has a
// branch of 64 random bits (`z9hG4bK-p2pic-...`): a response is taken only with that branch,
// the INVITE's Call-ID and CSeq number, and a top Via naming us (checked by the proxy).
// Bounded by the proxy's transactions (each INVITE branch has at most one here) plus those in
// Timer D, which holds only an ACK.

#include <spdlog/logger.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "dns/types.h"
#include "gateway/sip/invite_client_core.h"
#include "gateway/sip/sofia_handles.h"

struct nta_agent_s;
struct msg_s;
struct sip_s;
struct su_root_s;
struct su_timer_s;

namespace p2psip::sip {

class InviteClients {
 public:
  // A response for the proxy: `response` null when `internal` (made up here: 408, 487, 503).
  // The message is borrowed for the call (add a reference to keep it).
  using Callback = std::function<void(int status, bool internal, msg_s* response)>;

  InviteClients(su_root_s* root, nta_agent_s* agent, const Clock& clock,
                std::shared_ptr<spdlog::logger> log);
  ~InviteClients();
  InviteClients(const InviteClients&) = delete;
  InviteClients& operator=(const InviteClients&) = delete;

  // Sends `invite` (without our Via yet) to `target` (numeric, UDP) by `url`
  // (nta_route_url). Returns the branch, "" when it could not be sent (nothing kept, no
  // callback). A send error noticed later comes as an internal 503.
  std::string start(sofia::Message invite, const dns::Target& target, const std::string& url,
                    Callback on_response);
  // CANCELs the transaction (at once after a provisional, else with the first one).
  void cancel(const std::string& branch);
  // The proxy is done with it: no more callbacks. One in Timer D stays to ACK retransmissions.
  void release(const std::string& branch);
  // A response nta matched to no transaction, whose top Via names us: true when it was one of
  // ours (and `msg` was consumed).
  bool take_response(sofia::Message& msg, sip_s* sip);

  std::size_t size() const { return clients_.size(); }

 private:
  struct Client;
  using Deadlines = std::multimap<Millis, Client*>;

  void apply(Client& c, const InviteClientActions& a, msg_s* response);
  void send_invite(Client& c);
  void send_ack(Client& c, msg_s* response);
  void send_cancel(Client& c);
  void reschedule(Client& c);
  void arm();
  void on_timer();
  void erase(Client& c);
  static void timer_trampoline(void* magic, su_timer_s* timer, void* arg);
  static void pending_error(void* stack, void* client, void* tport, msg_s* msg, int error);

  nta_agent_s* agent_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  InviteClientTimers timers_;
  sofia::Timer timer_;
  Millis armed_for_ = Millis::max();  // when the timer fires; max: not set
  bool in_timer_ = false;
  Deadlines deadlines_;
  std::unordered_map<std::string, std::unique_ptr<Client>> clients_;  // by branch
};

}  // namespace p2psip::sip
