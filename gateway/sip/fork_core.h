#pragma once
// The decisions of one proxied request (RFC 3261 §16.5-16.8), sans IO: which branches start,
// which target each tries next, which responses go upstream and when, what is cancelled, when
// the transaction is done. Events in (the adapter's DNS results, responses, an upstream
// CANCEL), actions out; no Sofia type, no clock of its own (times are passed in). The nta
// adapter (proxy_transaction.h) performs the actions and feeds back what happened.
//
// A branch is one destination (a contact, or the next hop); RFC 3263 resolves it to an ordered
// list of targets. Rules:
//  - Parallel forking starts every branch at once, sequential forking the next one when the
//    previous is final without an answer upstream (§16.6, "forwarding ... in sequence").
//  - A branch fails over to its next target on 503 or 408 (RFC 3263 §4.3, fail_over_on());
//    transport errors come from nta as an internal 503, a timeout (timer B/F) as an internal
//    408. Timer C (§16.8) runs in nta (a proxy agent, NTATAG_UA(0): 185 s, reset by each
//    provisional): it CANCELs a branch that had a provisional, whose 487 is then its final;
//    a branch without one ends by timer B (408), as §16.8 asks.
//  - Provisional responses above 100 are relayed while nothing final went upstream; every 2xx
//    of an INVITE is relayed at once (§16.7 step 5), a non-INVITE's first 2xx only. A 2xx
//    cancels the other pending INVITE branches (§16.7 step 10); so does a 6xx, which is not
//    relayed at once but waits for the others to end (§16.7 step 5).
//  - No new client transaction (next branch, failover target) after a 2xx, a 6xx (§16.7 step
//    5: "MUST NOT create any new branches") or a CANCEL: nothing would cancel it.
//  - When every branch is final and nothing went upstream, the best response goes (§16.7 step
//    6, best_response()): a 503 becomes 500, a response we made up (nta's timeout, our 404/503
//    when nothing resolved, 487 of a branch cancelled before sending) is answered by us, a
//    401/407 carries the challenges of the other branches' 401/407 (§16.7 step 7).
//  - An upstream CANCEL (§16.10) cancels every pending branch; no branch starts after it, and
//    the answer is then the best final response (usually 487).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"

namespace p2psip::sip {

struct ForkAction {
  enum class Kind {
    resolve,         // start RFC 3263 resolution of the branch's destination
    stop_resolving,  // drop the branch's pending resolution
    send,            // send to target `target` of the branch; if that fails: send_failed()
    retire,          // the branch's client transaction is done with (a failover follows)
    cancel,          // CANCEL the branch's client transaction (INVITE only)
    relay,           // relay the response just received on the branch (`status`) upstream
    relay_best,      // relay the branch's final response as `status`, with `challenges`
    reply,           // answer upstream ourselves: `status`, `phrase` ("": the standard one)
    exhausted,       // the branch failed on every target (or had none)
    call_setup,      // the first 2xx of an INVITE, `elapsed` after the request arrived
    finished,        // answered upstream and every branch final: the transaction can go
  };
  Kind kind = Kind::reply;
  std::size_t branch = 0;
  std::size_t target = 0;
  int status = 0;
  std::string phrase;
  std::uint32_t retry_after = 0;           // reply: add Retry-After when > 0
  std::vector<std::size_t> challenges;     // relay_best: branches whose challenges go along
  Millis elapsed{0};                       // call_setup
};
using ForkActions = std::vector<ForkAction>;

class ForkCore {
 public:
  ForkCore(bool invite, bool parallel, Millis now) : invite_(invite), parallel_(parallel), started_at_(now) {}

  // Forward to `destinations` branches (contacts, or 1 for the next hop); none: 480. Once
  // only; nothing happens once answered.
  ForkActions fork(std::size_t destinations);
  // Answer upstream without (more) forwarding; ignored once answered.
  ForkActions reply(int status, std::string phrase, std::uint32_t retry_after = 0);
  // The branch's destination resolved to `targets` usable targets; with none, the branch ends
  // with `no_target_status` (404: the name does not exist, 503: otherwise).
  ForkActions resolved(std::size_t branch, std::size_t targets, int no_target_status);
  // The send action could not create a client transaction: the next target.
  ForkActions send_failed(std::size_t branch);
  // A response on the branch's client transaction; `internal`: made up by nta (no message
  // from downstream to relay).
  ForkActions response(std::size_t branch, int status, bool internal, Millis now);
  // A CANCEL for the request arrived from upstream.
  ForkActions cancel();

  bool answered() const { return answered_; }
  bool finished() const { return finished_; }
  bool cancelled() const { return cancelled_; }
  std::size_t branches() const { return branches_.size(); }

 private:
  struct Branch {
    bool started = false;
    bool resolving = false;
    bool in_flight = false;  // a client transaction is pending or got its response
    std::size_t targets = 0;
    std::size_t next = 0;
    int last_failure = 503;
    int final = 0;
    bool internal_final = false;
  };
  void start(std::size_t b, ForkActions& out);
  void send_next(std::size_t b, ForkActions& out);
  void on_final(std::size_t b, int status, bool internal, ForkActions& out);
  void branch_done(ForkActions& out);
  void send_best(ForkActions& out);
  void answer(int status, std::string phrase, std::uint32_t retry_after, ForkActions& out);
  void cancel_pending(ForkActions& out);
  void check_finished(ForkActions& out);
  bool all_final() const;
  bool stopped() const { return cancelled_ || got_2xx_ || got_6xx_; }

  bool invite_;
  bool parallel_;
  Millis started_at_;
  std::vector<Branch> branches_;
  bool answered_ = false;  // a final response went upstream
  bool cancelled_ = false;
  bool finished_ = false;
  bool got_2xx_ = false;
  bool got_6xx_ = false;
};

}  // namespace p2psip::sip
