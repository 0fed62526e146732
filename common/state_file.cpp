// Small state files: whole-file read, atomic replace.
#include "common/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mmm {

namespace {

std::string why_errno() { return std::strerror(errno); }

std::string parent_directory(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// Writes all of `contents` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, const std::string& contents) {
    std::size_t done = 0;
    while (done < contents.size()) {
        const auto n = ::write(fd, contents.data() + done, contents.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

Result<std::optional<std::string>> read_state_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return fail("cannot read '" + path + "': " + why_errno());
    }
    std::ostringstream text;
    text << in.rdbuf();
    return std::optional<std::string>{text.str()};
}

Result<void> write_state_file(const std::string& path, const std::string& contents) {
    std::string temp = path + ".XXXXXX";
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) return fail("cannot create a temp file beside '" + path + "': " + why_errno());
    ::fchmod(fd, 0600);
    const bool ok = write_all(fd, contents) && ::fsync(fd) == 0;
    const auto why = why_errno();
    if (::close(fd) != 0 || !ok) {
        ::unlink(temp.c_str());
        return fail("cannot write '" + temp + "': " + (ok ? why_errno() : why));
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const auto rename_why = why_errno();
        ::unlink(temp.c_str());
        return fail("cannot rename '" + temp + "' to '" + path + "': " + rename_why);
    }
    const int dir = ::open(parent_directory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

}  // namespace mmm
