// Descriptors that no child process may inherit (issue 12 item 9): Asio opens and accepts sockets without
// SOCK_CLOEXEC, so the programs mark them right after.
#pragma once

#include <fcntl.h>

namespace mmm {

inline void set_cloexec(int fd) {
    if (fd >= 0) ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

}  // namespace mmm
