// mmm_write_load: a write-load client for data-safety tests. N connections insert as fast as the server answers
// and record each attempt (acknowledged or outcome unknown) the moment its result is known.
//
//   mmm_write_load --host IP --port 3306 --user app --password app_pw --connections 4 --tag TAG --dir DIR
//                  [--table app.t]
//
// Each connection c (1..N) inserts v = 'TAG-c-s' with s = 1, 2, ... (a failed attempt also uses up its s) in
// autocommit mode, with a 1 s connect, read and write timeout. An attempt is appended to DIR/load-TAG.acked
// when mysql_query returned 0 (the COMMIT was acknowledged) and to DIR/load-TAG.failed otherwise, one line each:
// "c-s t0 t1" (wall-clock epoch seconds with 6 decimals at its start and end). Every line is one write(2) right
// after its result, so killing the tool loses nothing already acknowledged. After an error the connection is
// reopened (a try every 20 ms; a failed connect is not an attempt). The tool stops when DIR/load-TAG.stop exists
// (checked between attempts) or on SIGTERM/SIGINT and prints "acked=A failed=F seconds=S rate=R" on stdout.
//
// With --every-ms P it is instead the paced client of the integration tests (sb_client_start): one attempt at a
// time, each on a new connection (what an application reconnecting through the writer VIP does), P ms apart (the
// pause after an attempt ends); attempt n inserts v = 'TAG-n' and is recorded in DIR/client-TAG.acked or .failed
// as "n t0 t1". An attempt not answered within --limit-ms L (default 500) is recorded as failed at that moment and
// left to end by the 1 s timeouts (its outcome is unknown, as for a client killed there); the next one starts.
// The stop file is then DIR/client-TAG.stop.
#include <fcntl.h>
#include <mysql.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include <fmt/format.h>

namespace {

constexpr unsigned int io_timeout_seconds = 1;
constexpr auto reconnect_interval = std::chrono::milliseconds(20);
constexpr unsigned int max_connections = 256;

struct Options {
    std::string host;
    unsigned int port = 3306;
    std::string user;
    std::string password;
    unsigned int connections = 4;
    std::string tag;
    std::string dir;
    std::string table = "app.t";
    unsigned int every_ms = 0;  // paced mode when set
    unsigned int limit_ms = 500;
};

constexpr std::string_view usage_text =
    "usage: mmm_write_load --host IP --port PORT --user USER --password PASSWORD --connections N --tag TAG\n"
    "                      --dir DIR [--table SCHEMA.TABLE] [--every-ms P [--limit-ms L]]\n"
    "  N connections insert v = 'TAG-<conn>-<seq>' into the table as fast as the server answers; attempts are\n"
    "  recorded in DIR/load-TAG.acked and DIR/load-TAG.failed; stops when DIR/load-TAG.stop exists or on\n"
    "  SIGTERM/SIGINT. With --every-ms: one attempt at a time on a new connection, P ms apart, each given up\n"
    "  after L ms (default 500), v = 'TAG-<n>', recorded in DIR/client-TAG.acked and .failed.\n";

bool only_chars(std::string_view text, std::string_view extra) {
    for (const char c : text) {
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && extra.find(c) == std::string_view::npos) return false;
    }
    return !text.empty();
}

std::optional<unsigned int> parse_number(std::string_view text, unsigned int min, unsigned int max) {
    unsigned int value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size() || value < min || value > max) return std::nullopt;
    return value;
}

// The options, or an error message (the caller prints it with the usage and exits 2).
std::variant<Options, std::string> parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view name = argv[i];
        if (i + 1 >= argc) return fmt::format("{} needs a value", name);
        const std::string_view value = argv[++i];
        if (name == "--host") {
            o.host = value;
        } else if (name == "--port") {
            const auto port = parse_number(value, 1, 65535);
            if (!port) return fmt::format("--port: '{}' is not a port number", value);
            o.port = *port;
        } else if (name == "--user") {
            o.user = value;
        } else if (name == "--password") {
            o.password = value;
        } else if (name == "--connections") {
            const auto n = parse_number(value, 1, max_connections);
            if (!n) return fmt::format("--connections: '{}' is not a number from 1 to {}", value, max_connections);
            o.connections = *n;
        } else if (name == "--tag") {
            o.tag = value;
        } else if (name == "--dir") {
            o.dir = value;
        } else if (name == "--table") {
            o.table = value;
        } else if (name == "--every-ms" || name == "--limit-ms") {
            const auto n = parse_number(value, 1, 60000);
            if (!n) return fmt::format("{}: '{}' is not a number of milliseconds from 1 to 60000", name, value);
            (name == "--every-ms" ? o.every_ms : o.limit_ms) = *n;
        } else {
            return fmt::format("unknown option '{}'", name);
        }
    }
    if (o.host.empty() || o.user.empty() || o.tag.empty() || o.dir.empty()) {
        return std::string("--host, --user, --tag and --dir are required");
    }
    // The tag and the table go into SQL text and file names as they are.
    if (!only_chars(o.tag, "_-")) return fmt::format("--tag: '{}' may hold only letters, digits, '_' and '-'", o.tag);
    if (!only_chars(o.table, "_.")) return fmt::format("--table: '{}' may hold only letters, digits, '_' and '.'", o.table);
    return o;
}

// Wall-clock epoch seconds with 6 decimals, like bash's $EPOCHREALTIME.
std::string epoch_now() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return fmt::format("{}.{:06}", ts.tv_sec, ts.tv_nsec / 1000);
}

enum class Outcome { Acked, Failed };

// The two record files; one line per attempt, each written with one write(2) under a mutex.
class Recorder {
public:
    Recorder(int acked_fd, int failed_fd) : acked_fd_(acked_fd), failed_fd_(failed_fd) {}
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;
    ~Recorder() {
        ::close(acked_fd_);
        ::close(failed_fd_);
    }

    void record(Outcome outcome, std::string_view id, const std::string& t0, const std::string& t1) {
        const std::string line = fmt::format("{} {} {}\n", id, t0, t1);
        const std::lock_guard lock(mutex_);
        const int fd = outcome == Outcome::Acked ? acked_fd_ : failed_fd_;
        std::string_view rest = line;
        while (!rest.empty()) {
            const ssize_t n = ::write(fd, rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                fmt::print(stderr, "mmm_write_load: writing a record failed: {}\n", std::strerror(errno));
                break;
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        (outcome == Outcome::Acked ? acked_ : failed_) += 1;
    }

    unsigned long acked() const {
        const std::lock_guard lock(mutex_);
        return acked_;
    }
    unsigned long failed() const {
        const std::lock_guard lock(mutex_);
        return failed_;
    }

private:
    int acked_fd_;
    int failed_fd_;
    mutable std::mutex mutex_;
    unsigned long acked_ = 0;
    unsigned long failed_ = 0;
};

std::atomic<bool> stop_flag{false};

// True once a signal arrived or the stop file exists.
bool stop_requested(const std::string& stop_path) {
    if (stop_flag.load()) return true;
    if (::access(stop_path.c_str(), F_OK) == 0) stop_flag.store(true);
    return stop_flag.load();
}

struct MysqlClose {
    void operator()(MYSQL* m) const { mysql_close(m); }
};
using Mysql = std::unique_ptr<MYSQL, MysqlClose>;

// One connection in autocommit mode with the tool's timeouts, or the error text.
std::variant<Mysql, std::string> connect(const Options& o) {
    Mysql m(mysql_init(nullptr));
    if (!m) return std::string("mysql_init: out of memory");
    const unsigned int timeout = io_timeout_seconds;
    mysql_options(m.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(m.get(), MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_options(m.get(), MYSQL_OPT_WRITE_TIMEOUT, &timeout);
    if (mysql_real_connect(m.get(), o.host.c_str(), o.user.c_str(), o.password.c_str(), nullptr, o.port, nullptr, 0) ==
            nullptr ||
        mysql_autocommit(m.get(), 1) != 0) {
        return fmt::format("{} ({})", mysql_error(m.get()), mysql_errno(m.get()));
    }
    return m;
}

std::mutex note_mutex;

// A line on stderr about a connection (its outages, not every failed try).
void note(unsigned int conn, std::string_view text) {
    const std::lock_guard lock(note_mutex);
    fmt::print(stderr, "{} mmm_write_load: connection {}: {}\n", epoch_now(), conn, text);
}

void run_connection(const Options& o, unsigned int conn, const std::string& stop_path, Recorder& recorder) {
    mysql_thread_init();
    Mysql m;
    unsigned long seq = 0;
    bool outage_noted = false;
    while (!stop_requested(stop_path)) {
        if (!m) {
            auto result = connect(o);
            if (auto* error = std::get_if<std::string>(&result)) {
                if (!outage_noted) note(conn, fmt::format("connect failed: {}; retrying every 20 ms", *error));
                outage_noted = true;
                std::this_thread::sleep_for(reconnect_interval);
                continue;
            }
            m = std::move(std::get<Mysql>(result));
            if (outage_noted) note(conn, "connected again");
            outage_noted = false;
        }
        ++seq;
        const std::string sql = fmt::format("INSERT INTO {} (v) VALUES ('{}-{}-{}')", o.table, o.tag, conn, seq);
        const std::string t0 = epoch_now();
        const int rc = mysql_real_query(m.get(), sql.data(), sql.size());
        const std::string t1 = epoch_now();
        recorder.record(rc == 0 ? Outcome::Acked : Outcome::Failed, fmt::format("{}-{}", conn, seq), t0, t1);
        if (rc != 0) {
            note(conn, fmt::format("attempt {} failed: {} ({}); reconnecting", seq, mysql_error(m.get()),
                                   mysql_errno(m.get())));
            outage_noted = true;
            m.reset();
        }
    }
    m.reset();
    mysql_thread_end();
}

// One paced attempt on a new connection: true when the INSERT was acknowledged.
bool paced_attempt(const Options& o, unsigned long n) {
    mysql_thread_init();
    bool acked = false;
    auto result = connect(o);
    if (auto* m = std::get_if<Mysql>(&result)) {
        const std::string sql = fmt::format("INSERT INTO {} (v) VALUES ('{}-{}')", o.table, o.tag, n);
        acked = mysql_real_query(m->get(), sql.data(), sql.size()) == 0;
        m->reset();
    }
    mysql_thread_end();
    return acked;
}

// The paced client (--every-ms): returns when stopped. Attempts given up at the limit still run; they are waited
// for at the end (each ends within the 1 s timeouts).
void run_paced(const Options& o, const std::string& stop_path, Recorder& recorder) {
    std::vector<std::future<bool>> abandoned;
    for (unsigned long n = 1; !stop_requested(stop_path); ++n) {
        const std::string t0 = epoch_now();
        auto attempt = std::async(std::launch::async, paced_attempt, std::cref(o), n);
        const bool answered =
            attempt.wait_for(std::chrono::milliseconds(o.limit_ms)) == std::future_status::ready;
        const bool acked = answered && attempt.get();
        recorder.record(acked ? Outcome::Acked : Outcome::Failed, std::to_string(n), t0, epoch_now());
        if (!answered) abandoned.push_back(std::move(attempt));
        std::erase_if(abandoned, [](const std::future<bool>& f) {
            return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(o.every_ms));
    }
    for (auto& f : abandoned) f.wait();
}

int open_record(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) fmt::print(stderr, "mmm_write_load: cannot open {}: {}\n", path, std::strerror(errno));
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
        fmt::print("{}", usage_text);
        return 0;
    }
    auto parsed = parse_options(argc, argv);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        fmt::print(stderr, "mmm_write_load: {}\n{}", *error, usage_text);
        return 2;
    }
    const Options options = std::move(std::get<Options>(parsed));
    const bool paced = options.every_ms > 0;
    const std::string base = fmt::format("{}/{}-{}", options.dir, paced ? "client" : "load", options.tag);
    const std::string stop_path = base + ".stop";

    // SIGTERM and SIGINT are taken by sigtimedwait below, in no worker (a signal there would cut a query short).
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    const int acked_fd = open_record(base + ".acked");
    const int failed_fd = open_record(base + ".failed");
    if (acked_fd < 0 || failed_fd < 0) {
        if (acked_fd >= 0) ::close(acked_fd);
        if (failed_fd >= 0) ::close(failed_fd);
        return 1;
    }
    Recorder recorder(acked_fd, failed_fd);
    if (mysql_library_init(0, nullptr, nullptr) != 0) {
        fmt::print(stderr, "mmm_write_load: mysql_library_init failed\n");
        return 1;
    }

    const auto start = std::chrono::steady_clock::now();
    if (paced) {
        std::thread client([&] { run_paced(options, stop_path, recorder); });
        while (!stop_requested(stop_path)) {
            const timespec poll{0, 20'000'000};
            if (sigtimedwait(&signals, nullptr, &poll) > 0) stop_flag.store(true);
        }
        client.join();
        mysql_library_end();
        fmt::print("acked={} failed={}\n", recorder.acked(), recorder.failed());
        return 0;
    }
    std::atomic<unsigned int> running{options.connections};
    std::vector<std::thread> workers;
    workers.reserve(options.connections);
    for (unsigned int conn = 1; conn <= options.connections; ++conn) {
        workers.emplace_back([&, conn] {
            run_connection(options, conn, stop_path, recorder);
            running.fetch_sub(1);
        });
    }
    const timespec poll{0, 20'000'000};
    while (running.load() > 0 && !stop_requested(stop_path)) {
        if (sigtimedwait(&signals, nullptr, &poll) > 0) stop_flag.store(true);
    }
    for (auto& worker : workers) worker.join();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    mysql_library_end();

    const double seconds = elapsed.count();
    const auto acked = recorder.acked();
    fmt::print("acked={} failed={} seconds={:.3f} rate={:.1f}\n", acked, recorder.failed(), seconds,
               seconds > 0 ? static_cast<double>(acked) / seconds : 0.0);
    std::fflush(stdout);
    return 0;
}
