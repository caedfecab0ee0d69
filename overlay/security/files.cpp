#include "overlay/security/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace p2psip::security {

namespace {

std::string errno_text(std::string_view what, const std::filesystem::path& path, int err) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(err);
}

Expected<void, std::string> write_all(int fd, ByteView content, const std::filesystem::path& p) {
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return unexpected(errno_text("cannot write", p, errno));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return unexpected(errno_text("cannot sync", p, errno));
  return {};
}

}  // namespace

Expected<Bytes, std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read " + path.string() + ": " + std::strerror(errno));
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return unexpected("cannot read " + path.string());
  Bytes out(raw.size());
  if (!raw.empty()) std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

Expected<StagedFile, std::string> StagedFile::create(std::filesystem::path target,
                                                     ByteView content, mode_t mode) {
  std::string tmpl = target.string() + ".tmp-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());  // created 0600, O_EXCL
  if (fd < 0) return unexpected(errno_text("cannot create a file next to", target, errno));
  StagedFile staged(std::move(target), std::filesystem::path(name.data()));
  Expected<void, std::string> written = write_all(fd, content, staged.temp_);
  if (written && ::fchmod(fd, mode) != 0) {
    written = unexpected(errno_text("cannot set the mode of", staged.temp_, errno));
  }
  ::close(fd);
  if (!written) return unexpected(written.error());
  return staged;
}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : target_(std::move(other.target_)), temp_(std::move(other.temp_)) {
  other.temp_.clear();
}

StagedFile::~StagedFile() {
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

Expected<void, std::string> StagedFile::commit() {
  // link() refuses an existing target, unlike rename(): we never overwrite.
  if (::link(temp_.c_str(), target_.c_str()) != 0) {
    int err = errno;
    if (err == EEXIST) return unexpected(target_.string() + " already exists");
    return unexpected(errno_text("cannot create", target_, err));
  }
  ::unlink(temp_.c_str());
  temp_.clear();
  return {};
}

Expected<void, std::string> write_new_files(std::span<const NewFile> files) {
  std::vector<StagedFile> staged;
  staged.reserve(files.size());
  for (const NewFile& f : files) {
    auto s = StagedFile::create(f.path, f.content, f.mode);
    if (!s) return unexpected(s.error());
    staged.push_back(std::move(s).value());
  }
  for (std::size_t i = 0; i < staged.size(); ++i) {
    auto committed = staged[i].commit();
    if (!committed) {
      for (std::size_t j = 0; j < i; ++j) ::unlink(staged[j].target().c_str());
      return unexpected(committed.error());
    }
  }
  return {};
}

}  // namespace p2psip::security
