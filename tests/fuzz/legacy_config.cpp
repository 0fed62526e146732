// Fuzz target: the legacy mysql-mmm .conf loader (load_legacy_config: lines -> raw sections -> model -> validation)
// for each program. It reads a path, so the input goes to a memfd read through /proc/self/fd/N; an `include`
// resolves beside it (/proc/self/fd/NAME.conf, never there) or in /etc, /etc/mmm, /etc/mysql-mmm.
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "common/config_load.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace mmm;

namespace {
int input_file() {
    static const int fd = memfd_create("mmm_fuzz.conf", MFD_CLOEXEC);
    fuzz::check(fd >= 0, "memfd_create failed");
    return fd;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int fd = input_file();
    fuzz::check(ftruncate(fd, 0) == 0, "ftruncate failed");
    fuzz::check(pwrite(fd, data, size, 0) == static_cast<ssize_t>(size), "pwrite failed");
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    for (const auto program : {Program::Monitor, Program::Agent, Program::Control}) {
        const LoadResult loaded = load_legacy_config(path, program);
        if (loaded.ok()) (void)to_yaml(loaded.config);
    }
    return 0;
}
