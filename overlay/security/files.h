#pragma once
// Small file helpers for key and certificate files. Writes go to a temporary file in the
// target's directory and are linked into place only if the target does not exist, so a
// failed or racing run never leaves a half-written file or overwrites someone else's.

#include <filesystem>
#include <span>
#include <string>
#include <sys/types.h>

#include "common/bytes.h"
#include "common/expected.h"

namespace p2psip::security {

// The whole file, or an error naming the path.
Expected<Bytes, std::string> read_file(const std::filesystem::path& path);

// A file written to a temporary name, durable (fsync'd), and not yet visible under its name.
class StagedFile {
 public:
  static Expected<StagedFile, std::string> create(std::filesystem::path target, ByteView content,
                                                  mode_t mode);
  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&&) = delete;
  StagedFile(const StagedFile&) = delete;
  ~StagedFile();  // removes the temporary file unless committed

  // Links the temporary file to its target name; fails if the target exists.
  Expected<void, std::string> commit();
  const std::filesystem::path& target() const { return target_; }

 private:
  StagedFile(std::filesystem::path target, std::filesystem::path temp)
      : target_(std::move(target)), temp_(std::move(temp)) {}
  std::filesystem::path target_;
  std::filesystem::path temp_;  // empty once committed or moved from
};

// Stages every file, then commits them in order; on any failure removes what it committed.
// Nothing is left behind unless every file is in place.
struct NewFile {
  std::filesystem::path path;
  ByteView content;
  mode_t mode;
};
Expected<void, std::string> write_new_files(std::span<const NewFile> files);

}  // namespace p2psip::security
