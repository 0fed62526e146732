// Child processes: descriptor hygiene, exit statuses, program lookup and a blocking pipeline with a deadline.
#include "common/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <cerrno>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace mmm {

void close_inherited_descriptors() {
    if (::close_range(3, ~0U, 0) == 0) return;
    rlimit limit{};
    const rlim_t top = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY ? limit.rlim_cur
                                                                                                   : 65536;
    for (rlim_t fd = 3; fd < top; ++fd) ::close(static_cast<int>(fd));
}

int decode_wait_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::string find_program(const std::vector<std::string>& names, const std::string& path) {
    for (const auto& name : names) {
        std::size_t at = 0;
        while (at <= path.size()) {
            const auto end = std::min(path.find(':', at), path.size());
            const std::string dir = path.substr(at, end - at);
            at = end + 1;
            if (dir.empty() || dir.front() != '/') continue;
            const std::string candidate = dir + "/" + name;
            struct stat st{};
            if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
                return candidate;
        }
    }
    return {};
}

namespace {

constexpr std::size_t max_output = 64 * 1024;

struct Argv {
    std::vector<std::string> strings;
    std::vector<char*> pointers;
    explicit Argv(std::vector<std::string> s) : strings(std::move(s)) {
        for (auto& x : strings) pointers.push_back(x.data());
        pointers.push_back(nullptr);
    }
};

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// Reaps every started child; after `until` (or at once with `kill_now`) the group is killed first.
void reap(std::vector<pid_t>& pids, pid_t group, std::chrono::steady_clock::time_point until, PipelineResult& out) {
    for (std::size_t i = 0; i < pids.size(); ++i) {
        if (pids[i] <= 0) continue;
        int status = 0;
        while (::waitpid(pids[i], &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() >= until) {
                out.timed_out = true;
                ::kill(-group, SIGKILL);
                ::waitpid(pids[i], &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        out.exit_codes[i] = decode_wait_status(status);
    }
}

}  // namespace

PipelineResult run_pipeline(const std::vector<PipelineCommand>& commands, Duration timeout, OutputSink sink) {
    PipelineResult out;
    out.exit_codes.assign(commands.size(), -1);
    if (commands.empty()) return out;
    const auto until = std::chrono::steady_clock::now() + timeout;
    // Built before any fork: a child only calls async-signal-safe functions.
    std::vector<Argv> argvs;
    std::vector<Argv> envs;
    for (const auto& c : commands) {
        argvs.emplace_back(c.argv);
        envs.emplace_back(c.env);
    }
    int capture[2];
    if (::pipe2(capture, O_CLOEXEC) != 0) return out;
    int data[2] = {-1, -1};  // the last command's stdout when a sink takes it
    if (sink && ::pipe2(data, O_CLOEXEC) != 0) {
        close_fd(capture[0]);
        close_fd(capture[1]);
        return out;
    }
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    std::vector<pid_t> pids(commands.size(), 0);
    pid_t group = 0;
    int in = devnull;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        int link[2] = {-1, -1};
        const bool last = i + 1 == commands.size();
        if (!last && ::pipe2(link, O_CLOEXEC) != 0) break;
        const int stdout_fd = !last ? link[1] : sink ? data[1] : capture[1];
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::setpgid(0, group);
            if (in >= 0) ::dup2(in, STDIN_FILENO);
            ::dup2(stdout_fd, STDOUT_FILENO);
            ::dup2(capture[1], STDERR_FILENO);
            close_inherited_descriptors();
            ::execve(argvs[i].pointers[0], argvs[i].pointers.data(), envs[i].pointers.data());
            static constexpr char failed[] = "execve failed\n";
            [[maybe_unused]] const auto n = ::write(STDERR_FILENO, failed, sizeof failed - 1);
            ::_exit(127);
        }
        if (pid > 0) {
            if (group == 0) group = pid;
            ::setpgid(pid, group);  // also here: the next child must find the group, whoever runs first
            pids[i] = pid;
        }
        if (in != devnull) close_fd(in);
        if (!last) {
            close_fd(link[1]);
            in = link[0];
        }
        if (pid < 0) break;
    }
    if (in != devnull) close_fd(in);
    int devnull_fd = devnull;
    close_fd(devnull_fd);
    close_fd(capture[1]);
    close_fd(data[1]);
    out.started = std::all_of(pids.begin(), pids.end(), [](pid_t p) { return p > 0; });

    char buf[65536];
    int open_fds[2] = {capture[0], data[0]};
    while (open_fds[0] >= 0 || open_fds[1] >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p[2] = {{open_fds[0], POLLIN, 0}, {open_fds[1], POLLIN, 0}};
        const int ready = ::poll(p, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        for (int k = 0; k < 2; ++k) {
            if (open_fds[k] < 0 || p[k].revents == 0) continue;
            const auto n = ::read(open_fds[k], buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {  // every writer closed
                close_fd(open_fds[k]);
                continue;
            }
            const auto got = static_cast<std::size_t>(n);
            if (k == 1) {
                if (!sink(std::string_view(buf, got))) {
                    out.stopped = true;
                    ::kill(-group, SIGKILL);
                    close_fd(open_fds[0]);
                    close_fd(open_fds[1]);
                }
                continue;
            }
            const auto keep = std::min(got, max_output - std::min(max_output, out.output.size()));
            out.output.append(buf, keep);
        }
    }
    close_fd(open_fds[0]);
    close_fd(open_fds[1]);
    reap(pids, group, until, out);
    return out;
}

}  // namespace mmm
