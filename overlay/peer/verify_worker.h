#pragma once
// The Node's second thread: it runs the VerifySignature checks of its PeerCore
// (PeerConfig::deferred_verification), so the event loop goes on serving links (and, in the
// gateway, SIP) while a P-256 verification runs (~0.3 ms, bench/RESULTS-security.md). One
// worker, FIFO: results come back on the loop thread (uv_async) in the order the checks were
// submitted, so messages from one link are delivered in their arrival order.
//
// Threads: the constructor, submit(), the `done` callback and the destructor run on the loop
// thread. The worker touches only the two queues (under the mutex) and the checks themselves,
// each of which owns all it uses (SignatureCheck's contract: a certificate reference and copied
// bytes), so nothing the loop mutates is read on the worker. How many checks wait is bounded
// by the core (PeerCore::kMaxPendingVerifications).
//
// AfterVerified (optional): run on the worker right after a check succeeded, for a job that
// carries an AnswerToRequest (its own copy, PeerConfig::share_answers), before the result goes
// to the loop. The upper layers use it to pre-compute on this thread what the loop will need
// for that answer (overlay/api/usage_glue.h: the stored-data verification memos); it must only
// touch state that is safe to use from two threads, and its outcome must not matter to the
// loop (it is not called for failed checks, nor for jobs dropped at destruction). Exceptions
// it throws are swallowed: it is only a pre-computation.

#include <uv.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "overlay/peer/peer_types.h"

namespace p2psip::peer {

class VerifyWorker {
 public:
  using Done = std::function<void(std::uint64_t id, std::optional<NodeId> signer)>;
  using AfterVerified = std::function<void(const AnswerToRequest&)>;

  VerifyWorker(uv_loop_t* loop, Done done, AfterVerified after_verified = nullptr);
  // Stops the worker after the check it is running; results not yet reported are dropped.
  ~VerifyWorker();
  VerifyWorker(const VerifyWorker&) = delete;
  VerifyWorker& operator=(const VerifyWorker&) = delete;

  void submit(std::uint64_t id, std::shared_ptr<const SignatureCheck> check,
              std::shared_ptr<const AnswerToRequest> answer = nullptr);

 private:
  struct Job {
    std::uint64_t id = 0;
    std::shared_ptr<const SignatureCheck> check;
    std::shared_ptr<const AnswerToRequest> answer;  // for after_verified_; may be null
  };
  struct Result {
    std::uint64_t id = 0;
    std::optional<NodeId> signer;
  };
  void run();             // the worker thread
  void report_results();  // on the loop, from the uv_async

  Done done_;
  const AfterVerified after_verified_;  // read on the worker; never changed after construction
  uv_async_t* async_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::deque<Result> results_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the rest exists
};

}  // namespace p2psip::peer
