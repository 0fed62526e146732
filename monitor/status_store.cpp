// Status file I/O.
#include "monitor/status_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mmm::monitor {

namespace {
std::string errno_text() { return std::strerror(errno); }

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}
}  // namespace

Result<std::optional<std::string>> read_status_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return fail("cannot read '" + path + "': " + errno_text());
    }
    std::ostringstream text;
    text << in.rdbuf();
    return std::optional<std::string>{text.str()};
}

Result<void> write_file_atomically(const std::string& path, const std::string& contents) {
    std::string temp = path + ".XXXXXX";
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) return fail("cannot create a temp file beside '" + path + "': " + errno_text());
    ::fchmod(fd, 0600);
    std::size_t written = 0;
    while (written < contents.size()) {
        const auto n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const auto why = errno_text();
            ::close(fd);
            ::unlink(temp.c_str());
            return fail("cannot write '" + temp + "': " + why);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const auto why = errno_text();
        ::unlink(temp.c_str());
        return fail("cannot flush '" + temp + "': " + why);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const auto why = errno_text();
        ::unlink(temp.c_str());
        return fail("cannot rename '" + temp + "' to '" + path + "': " + why);
    }
    const int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

}  // namespace mmm::monitor
