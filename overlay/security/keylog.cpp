#include "overlay/security/keylog.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace p2psip::security {

namespace {

void free_path(void* /*parent*/, void* path, CRYPTO_EX_DATA* /*ad*/, int /*index*/,
               long /*argl*/, void* /*argp*/) {
  delete static_cast<std::string*>(path);
}

// The SSL_CTX ex_data slot holding the path (a std::string the context frees with itself).
int path_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_path);
  return index;
}

const std::string* path_of(const SSL_CTX* ctx) {
  return static_cast<const std::string*>(SSL_CTX_get_ex_data(ctx, path_index()));
}

void append_line(const SSL* ssl, const char* line) {
  const std::string* path = path_of(SSL_get_SSL_CTX(ssl));
  if (path == nullptr || path->empty()) return;
  int fd = ::open(path->c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  std::string text(line);
  text.push_back('\n');
  ssize_t written = ::write(fd, text.data(), text.size());  // one write: lines stay whole
  (void)written;
  ::close(fd);
}

}  // namespace

void set_keylog_file(SSL_CTX* ctx, std::string path) {
  delete path_of(ctx);
  if (path.empty()) {
    SSL_CTX_set_ex_data(ctx, path_index(), nullptr);
    SSL_CTX_set_keylog_callback(ctx, nullptr);
    return;
  }
  SSL_CTX_set_ex_data(ctx, path_index(), new std::string(std::move(path)));
  SSL_CTX_set_keylog_callback(ctx, append_line);
}

std::string keylog_file(const SSL_CTX* ctx) {
  const std::string* path = path_of(ctx);
  return path ? *path : std::string();
}

std::string keylog_file_from_environment() {
  const char* env = std::getenv("SSLKEYLOGFILE");
  return env ? std::string(env) : std::string();
}

}  // namespace p2psip::security
