// The kill_host_bin runner: fork/exec with a pipe read through Asio, reaped with a deadline.
#include "monitor/kill_host.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "common/child_process.hpp"
#include "monitor/asio_support.hpp"

namespace mmm::monitor {

std::string resolve_kill_host_bin(const MonitorConfig& monitor) {
    const auto& bin = monitor.kill_host_bin;
    if (bin.empty() || bin.front() == '/' || monitor.bin_path.empty()) return bin;
    return monitor.bin_path + "/monitor/" + bin;
}

std::vector<std::string> kill_host_argv(const std::string& bin, const std::string& host, bool ping_ok) {
    return {bin, host, ping_ok ? "1" : "0"};
}

std::string kill_host_command(const std::string& bin, const std::string& host, bool ping_ok) {
    std::string line;
    for (const auto& arg : kill_host_argv(bin, host, ping_ok)) line += (line.empty() ? "" : " ") + arg;
    return line;
}

asio::awaitable<KillOutcome> run_command(std::vector<std::string> argv, Duration timeout) {
    using namespace asio::experimental::awaitable_operators;
    KillOutcome outcome;
    if (argv.empty()) {
        outcome.output = "no command";
        co_return outcome;
    }
    // Built before fork: the child only calls async-signal-safe functions.
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        outcome.output = "pipe failed";
        co_return outcome;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        outcome.output = "fork failed";
        co_return outcome;
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        close_inherited_descriptors();
        ::execv(args[0], args.data());
        static constexpr char failed[] = "kill_host_bin: execv failed\n";
        [[maybe_unused]] const auto n = ::write(STDERR_FILENO, failed, sizeof failed - 1);
        ::_exit(127);
    }
    ::close(fds[1]);
    outcome.started = true;
    auto executor = co_await asio::this_coro::executor;
    asio::posix::stream_descriptor pipe(executor, fds[0]);
    asio::steady_timer deadline(executor, std::chrono::steady_clock::now() + timeout);
    auto read = co_await (asio::async_read(pipe, asio::dynamic_buffer(outcome.output, 64 * 1024), nothrow) ||
                          deadline.async_wait(nothrow));
    int status = 0;
    if (read.index() == 1) {
        outcome.timed_out = true;
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        outcome.exit_code = decode_wait_status(status);
        co_return outcome;
    }
    // Output closed: the command is exiting; reap it (bounded by the same deadline).
    asio::steady_timer poll(executor);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() >= deadline.expiry()) {
            outcome.timed_out = true;
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        poll.expires_after(std::chrono::milliseconds(5));
        co_await poll.async_wait(nothrow);
    }
    outcome.exit_code = decode_wait_status(status);
    co_return outcome;
}

}  // namespace mmm::monitor
