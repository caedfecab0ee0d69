#include "dns/ares_channel.h"

#include <arpa/nameser.h>

namespace p2psip::dns {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

AresChannel::AresChannel(uv_loop_t* loop) : loop_(loop) {}

Expected<std::unique_ptr<AresChannel>, std::string> AresChannel::create(
    uv_loop_t* loop, const ChannelOptions& options) {
  std::unique_ptr<AresChannel> self(new AresChannel(loop));
  if (int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS) {
    return unexpected(std::string("c-ares init: ") + ares_strerror(rc));
  }
  self->library_ = true;
  ares_options opts{};
  opts.flags = ARES_FLAG_NOSEARCH | (options.failover_on_servfail ? 0 : ARES_FLAG_NOCHECKRESP) |
               (options.keep_sockets_open ? ARES_FLAG_STAYOPEN : 0);
  opts.timeout = static_cast<int>(options.timeout.count());
  opts.tries = options.tries;
  opts.sock_state_cb = &AresChannel::on_sock_state;
  opts.sock_state_cb_data = self.get();
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
  if (int rc = ares_init_options(&self->channel_, &opts, mask); rc != ARES_SUCCESS) {
    self->channel_ = nullptr;
    return unexpected(std::string("c-ares channel: ") + ares_strerror(rc));
  }
  if (!options.servers.empty()) {
    std::string csv = join(options.servers);
    if (int rc = ares_set_servers_ports_csv(self->channel_, csv.c_str()); rc != ARES_SUCCESS) {
      return unexpected("bad DNS server list '" + csv + "': " + ares_strerror(rc));
    }
  }
  self->first_timeout_ms_ = static_cast<std::uint64_t>(options.timeout.count());
  self->timer_ = std::make_unique<uv::Timer>(loop);
  return self;
}

AresChannel::~AresChannel() {
  // ares_destroy runs pending query callbacks (ARES_EDESTRUCTION) and the socket-state
  // callback for every open socket, which closes the polls; close what is left after it.
  if (channel_) ares_destroy(channel_);
  for (auto& [fd, poll] : polls_) uv::close_and_delete(poll.handle);
  polls_.clear();
  timer_.reset();
  if (library_) ares_library_cleanup();
}

namespace {
struct Pending {
  AresChannel* channel;
  AresChannel::QueryCallback cb;
};
}  // namespace

void AresChannel::query(const std::string& name, int type, QueryCallback cb) {
  if (pending_++ == 0) set_referenced(true);
  auto* arg = new Pending{this, std::move(cb)};
  ares_query(channel_, name.c_str(), ns_c_in, type, &AresChannel::on_answer, arg);
  // A new query times out at now + first_timeout_ms_ (c-ares 1.18: first try, no jitter). Inside
  // ares_process_fd the caller re-arms afterwards; otherwise only an earlier deadline matters.
  if (processing_ || pending_ == 0) return;  // pending_ == 0: answered (failed) synchronously
  if (timer_->active() && timer_->due_in() <= first_timeout_ms_) return;
  rearm_timer();
}

void AresChannel::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
  if (--p->channel->pending_ == 0) p->channel->set_referenced(false);
  p->cb(status, abuf, alen);
}

void AresChannel::set_referenced(bool ref) {
  for (auto& [fd, poll] : polls_) {
    uv_handle_t* h = uv::as_handle(poll.handle);
    ref ? uv_ref(h) : uv_unref(h);
  }
}

void AresChannel::on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<AresChannel*>(data)->watch(fd, readable, writable);
}

void AresChannel::watch(ares_socket_t fd, int readable, int writable) {
  auto it = polls_.find(fd);
  if (!readable && !writable) {
    if (it != polls_.end()) {
      uv::close_and_delete(it->second.handle);  // before c-ares closes the fd (it calls us first)
      polls_.erase(it);
    }
    return;
  }
  if (it == polls_.end()) {
    auto* poll = new uv_poll_t;
    if (uv_poll_init_socket(loop_, poll, fd) != 0) {
      delete poll;
      return;  // c-ares will time the query out
    }
    poll->data = this;
    if (pending_ == 0) uv_unref(uv::as_handle(poll));
    it = polls_.emplace(fd, Poll{poll, 0}).first;
  }
  int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
  if (events == it->second.events) return;  // unchanged: no epoll_ctl
  it->second.events = events;
  uv_poll_start(it->second.handle, events, &AresChannel::on_poll);
}

void AresChannel::on_poll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<AresChannel*>(handle->data);
  uv_os_fd_t fd = -1;
  if (uv_fileno(uv::as_handle(handle), &fd) != 0) return;
  bool err = status < 0;  // let c-ares read the error off the socket
  ares_socket_t r = (err || (events & UV_READABLE)) ? fd : ARES_SOCKET_BAD;
  ares_socket_t w = (err || (events & UV_WRITABLE)) ? fd : ARES_SOCKET_BAD;
  self->processing_ = true;
  ares_process_fd(self->channel_, r, w);
  self->processing_ = false;
  self->rearm_timer();
}

void AresChannel::on_timer() {
  processing_ = true;
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  processing_ = false;
  rearm_timer();
}

void AresChannel::rearm_timer() {
  timeval tv{};
  if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
    timer_->stop();
    return;
  }
  auto ms = static_cast<std::uint64_t>(tv.tv_sec) * 1000 +
            static_cast<std::uint64_t>((tv.tv_usec + 999) / 1000);
  timer_->start(ms, 0, [this] { on_timer(); });
}

}  // namespace p2psip::dns
