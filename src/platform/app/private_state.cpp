#include "platform/app/private_state.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "platform/core/config.hpp"
#include "platform/core/log.hpp"

namespace medcore {

namespace {

std::string octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777u);
  return buf;
}

void tighten(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // not there (yet): the umask covers it
  const unsigned mode = st.st_mode & 07777u;
  if ((mode & 077u) == 0) return;
  if (st.st_uid != ::geteuid()) {
    log::warn("state_not_private", {{"path", path}, {"mode", octal(mode)}, {"reason", "owned by another user"}});
    return;
  }
  const unsigned private_mode = mode & 0700u;
  if (::chmod(path.c_str(), private_mode) != 0) {
    log::warn("state_not_private", {{"path", path}, {"mode", octal(mode)}, {"reason", "chmod failed"}});
    return;
  }
  log::warn("state_permissions_tightened", {{"path", path}, {"from", octal(mode)}, {"to", octal(private_mode)}});
}

}  // namespace

void keep_state_private(const Config& config) {
  ::umask(077);
  tighten(config.var_dir);
  tighten((std::filesystem::path(config.var_dir) / "mail").string());
  constexpr std::string_view kSqlite = "sqlite:";
  if (config.database_url.starts_with(kSqlite)) {
    const std::string file = config.database_url.substr(kSqlite.size());
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) tighten(file + suffix);
  }
}

}  // namespace medcore
