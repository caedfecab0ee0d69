#include "gateway/sip/tls_material.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>  // mkdtemp
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace p2psip::sip {

namespace {

Expected<std::string, std::string> slurp(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(std::string(what) + ": cannot read '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.find("-----BEGIN ") == std::string::npos) {
    return unexpected(std::string(what) + ": '" + path + "' is not PEM");
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

bool write_private(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return ::close(fd) == 0;
}

}  // namespace

Expected<std::unique_ptr<TlsMaterial>, std::string> TlsMaterial::create(const TlsFiles& files,
                                                                    const std::string& parent) {
  auto cert = slurp(files.cert, "sip_tls_cert");
  if (!cert) return unexpected(cert.error());
  auto key = slurp(files.key, "sip_tls_key");
  if (!key) return unexpected(key.error());
  auto ca = slurp(files.ca, "sip_tls_ca");
  if (!ca) return unexpected(ca.error());
  std::string templ = parent + "/sip-tls-XXXXXX";
  if (!::mkdtemp(templ.data())) {
    return unexpected("cannot create a private directory for TLS credentials: " +
                      std::string(std::strerror(errno)));
  }
  std::unique_ptr<TlsMaterial> self(new TlsMaterial(templ));  // removes the directory on error
  if (!write_private(templ + "/agent.pem", *key + *cert) ||
      !write_private(templ + "/cafile.pem", *ca)) {
    return unexpected("cannot write TLS credentials under '" + templ + "': " +
                      std::string(std::strerror(errno)));
  }
  return self;
}

TlsMaterial::~TlsMaterial() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace p2psip::sip
