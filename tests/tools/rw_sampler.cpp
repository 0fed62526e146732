// mmm_rw_sampler: the never-two-writers sampler of the integration tests (tests/integration/lib/writers.sh) as one
// process. It used to be a shell loop that started some 25 processes per sample (ip, mariadb, timeout, subshells),
// 20 samples a second: on a 2-core machine running three tests at once that load alone starved the daemons under
// test. This tool keeps one MariaDB connection per server and one rtnetlink socket per namespace open instead.
//
//   mmm_rw_sampler --out FILE --stop FILE --vip IP [--period-ms 50] --host NAME,NETNS,SOCKET,PIDFILE [--host ...]
//
// Every period it appends one line to FILE (one write(2)):
//   "<epoch> ro0:<hosts answering read_only=0> vip:<holders of IP on an up eth0> writers:<in both> stopped:<...>"
// each list comma separated in --host order; <epoch> is the sample's start (seconds, 6 decimals). Per host:
// - the VIP: IP is an address of eth0 in NETNS and eth0's operational state is UP. The hosts are read one after the
//   other; when more than one holds it, each holder but the last read is read again, and one that no longer holds
//   it is not counted (it may have let the VIP go before the later one took it).
// - read_only: 'T' when the server whose pid is in PIDFILE (a process named mariadbd) is stopped (SIGSTOP; it is
//   not asked), else @@global.read_only over SOCKET as root, or '-' when it does not answer within about 1 s. The
//   servers are asked in parallel; when more than one answers 0, those are asked again at once and only those still
//   at 0 count (answers 10-100 ms apart can straddle a planned switch; a real overlap lasts).
// It stops when the stop FILE exists (checked every period) or on SIGTERM/SIGINT.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <mysql.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

namespace {

constexpr unsigned int io_timeout_seconds = 1;
// A failed query is tried again on a new connection only when it failed this fast (the connection was closed
// under it, e.g. killed by an agent), so a hung server is still given up after about 1 s.
constexpr auto retry_window = std::chrono::milliseconds(100);

struct SockFree {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct MysqlClose {
    void operator()(MYSQL* m) const { mysql_close(m); }
};

struct Host {
    std::string name;
    std::string netns;
    std::string socket;
    std::string pid_file;
    std::unique_ptr<nl_sock, SockFree> nl;
    std::unique_ptr<MYSQL, MysqlClose> db;
};

struct Options {
    std::string out;
    std::string stop;
    std::string vip;
    unsigned int period_ms = 50;
    std::vector<Host> hosts;
};

constexpr std::string_view usage_text =
    "usage: mmm_rw_sampler --out FILE --stop FILE --vip IP [--period-ms N] --host NAME,NETNS,SOCKET,PIDFILE ...\n"
    "  every N ms (default 50) appends \"<epoch> ro0:... vip:... writers:... stopped:...\" to FILE (see the source's\n"
    "  head); stops when the stop FILE exists or on SIGTERM/SIGINT.\n";

std::vector<std::string> split(std::string_view text, char sep) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto pos = text.find(sep, start);
        parts.emplace_back(text.substr(start, pos - start));
        if (pos == std::string_view::npos) return parts;
        start = pos + 1;
    }
}

std::variant<Options, std::string> parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view name = argv[i];
        if (i + 1 >= argc) return fmt::format("{} needs a value", name);
        const std::string_view value = argv[++i];
        if (name == "--out") {
            o.out = value;
        } else if (name == "--stop") {
            o.stop = value;
        } else if (name == "--vip") {
            o.vip = value;
        } else if (name == "--period-ms") {
            try {
                const unsigned long n = std::stoul(std::string(value));
                if (n < 5 || n > 10000) return std::string("--period-ms: from 5 to 10000");
                o.period_ms = static_cast<unsigned int>(n);
            } catch (const std::exception&) {
                return fmt::format("--period-ms: '{}' is not a number", value);
            }
        } else if (name == "--host") {
            auto parts = split(value, ',');
            if (parts.size() != 4 || parts[0].empty() || parts[1].empty() || parts[2].empty() || parts[3].empty())
                return fmt::format("--host: '{}' is not NAME,NETNS,SOCKET,PIDFILE", value);
            Host h;
            h.name = parts[0];
            h.netns = parts[1];
            h.socket = parts[2];
            h.pid_file = parts[3];
            o.hosts.push_back(std::move(h));
        } else {
            return fmt::format("unknown option '{}'", name);
        }
    }
    in_addr unused{};
    if (o.out.empty() || o.stop.empty() || o.vip.empty() || o.hosts.empty())
        return std::string("--out, --stop, --vip and at least one --host are required");
    if (inet_pton(AF_INET, o.vip.c_str(), &unused) != 1) return fmt::format("--vip: '{}' is not an IPv4 address", o.vip);
    return o;
}

// An rtnetlink socket that lives in the named network namespace (a socket stays in the namespace it was made in).
std::variant<std::unique_ptr<nl_sock, SockFree>, std::string> netns_socket(const std::string& netns) {
    const int self = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0) return fmt::format("/proc/self/ns/net: {}", std::strerror(errno));
    const std::string path = "/run/netns/" + netns;
    const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0) {
        const int err = errno;
        ::close(self);
        return fmt::format("{}: {}", path, std::strerror(err));
    }
    std::string error;
    std::unique_ptr<nl_sock, SockFree> sock;
    if (::setns(target, CLONE_NEWNET) != 0) {
        error = fmt::format("setns {}: {}", path, std::strerror(errno));
    } else {
        sock.reset(nl_socket_alloc());
        if (!sock) {
            error = "netlink: out of memory";
        } else if (const int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
            error = fmt::format("netlink in {}: {}", netns, nl_geterror(err));
            sock.reset();
        }
        if (::setns(self, CLONE_NEWNET) != 0 && error.empty())
            error = fmt::format("setns back: {}", std::strerror(errno));
    }
    ::close(target);
    ::close(self);
    if (!error.empty()) return error;
    return sock;
}

// True when the VIP is an address of eth0 and eth0 is operationally up.
bool holds_vip(Host& h, const in_addr& vip) {
    rtnl_link* link = nullptr;
    if (rtnl_link_get_kernel(h.nl.get(), 0, "eth0", &link) < 0) return false;
    const bool up = rtnl_link_get_operstate(link) == IF_OPER_UP;
    const int index = rtnl_link_get_ifindex(link);
    rtnl_link_put(link);
    if (!up) return false;
    nl_cache* cache = nullptr;
    if (rtnl_addr_alloc_cache(h.nl.get(), &cache) < 0) return false;
    bool found = false;
    for (nl_object* o = nl_cache_get_first(cache); o != nullptr && !found; o = nl_cache_get_next(o)) {
        auto* addr = reinterpret_cast<rtnl_addr*>(o);
        if (rtnl_addr_get_ifindex(addr) != index || rtnl_addr_get_family(addr) != AF_INET) continue;
        nl_addr* local = rtnl_addr_get_local(addr);
        found = local != nullptr && nl_addr_get_len(local) == 4 &&
                std::memcmp(nl_addr_get_binary_addr(local), &vip, 4) == 0;
    }
    nl_cache_free(cache);
    return found;
}

// The state letter of the mariadbd whose pid is in the file, if there is one.
std::optional<char> server_state(const std::string& pid_file) {
    std::ifstream pf(pid_file);
    std::string pid;
    if (!(pf >> pid) || pid.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    std::ifstream comm("/proc/" + pid + "/comm");
    std::string name;
    if (!std::getline(comm, name) || name != "mariadbd") return std::nullopt;
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    const auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return std::nullopt;
    return line[close + 2];
}

std::unique_ptr<MYSQL, MysqlClose> connect(const Host& h) {
    std::unique_ptr<MYSQL, MysqlClose> m(mysql_init(nullptr));
    if (!m) return m;
    const unsigned int timeout = io_timeout_seconds;
    const unsigned int protocol = MYSQL_PROTOCOL_SOCKET;
    mysql_options(m.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(m.get(), MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_options(m.get(), MYSQL_OPT_WRITE_TIMEOUT, &timeout);
    mysql_options(m.get(), MYSQL_OPT_PROTOCOL, &protocol);
    if (mysql_real_connect(m.get(), nullptr, "root", nullptr, nullptr, 0, h.socket.c_str(), 0) == nullptr) m.reset();
    return m;
}

// "0" or "1" (@@global.read_only), or nothing when the query fails.
std::optional<std::string> query_read_only(MYSQL* m) {
    static constexpr std::string_view sql = "SELECT @@global.read_only";
    if (mysql_real_query(m, sql.data(), sql.size()) != 0) return std::nullopt;
    MYSQL_RES* res = mysql_store_result(m);
    if (res == nullptr) return std::nullopt;
    std::optional<std::string> value;
    if (MYSQL_ROW row = mysql_fetch_row(res); row != nullptr && row[0] != nullptr) value = row[0];
    mysql_free_result(res);
    return value;
}

// The host's read_only letter: "0", "1", "T" (stopped, not asked) or "-" (no answer).
std::string read_only(Host& h) {
    if (const auto state = server_state(h.pid_file); state && *state == 'T') return "T";
    const auto start = std::chrono::steady_clock::now();
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!h.db) h.db = connect(h);
        if (!h.db) return "-";
        if (auto value = query_read_only(h.db.get())) return *value;
        h.db.reset();
        if (std::chrono::steady_clock::now() - start > retry_window) break;
    }
    return "-";
}

std::string epoch_of(std::chrono::system_clock::time_point t) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    return fmt::format("{}.{:06}", us / 1'000'000, us % 1'000'000);
}

// read_only of the given hosts, asked in parallel (the results in the same order).
std::vector<std::string> read_only_all(std::vector<Host*> hosts) {
    std::vector<std::future<std::string>> answers;
    answers.reserve(hosts.size());
    for (Host* h : hosts) answers.push_back(std::async(std::launch::async, [h] { return read_only(*h); }));
    std::vector<std::string> values;
    values.reserve(hosts.size());
    for (auto& a : answers) values.push_back(a.get());
    return values;
}

std::string sample_line(Options& o, const in_addr& vip) {
    const auto started = std::chrono::system_clock::now();
    const std::size_t n = o.hosts.size();
    std::vector<bool> holds(n);
    for (std::size_t i = 0; i < n; ++i) holds[i] = holds_vip(o.hosts[i], vip);
    std::size_t seen = 0, last = 0;
    for (std::size_t i = 0; i < n; ++i)
        if (holds[i]) ++seen, last = i;
    if (seen > 1)
        for (std::size_t i = 0; i < n; ++i)
            if (holds[i] && i != last) holds[i] = holds_vip(o.hosts[i], vip);

    std::vector<Host*> all;
    for (auto& h : o.hosts) all.push_back(&h);
    std::vector<std::string> ro = read_only_all(all);
    std::vector<Host*> again;
    std::vector<std::size_t> again_index;
    for (std::size_t i = 0; i < n; ++i)
        if (ro[i] == "0") again.push_back(&o.hosts[i]), again_index.push_back(i);
    if (again.size() > 1) {
        const auto values = read_only_all(again);
        for (std::size_t k = 0; k < values.size(); ++k)
            if (values[k] != "0") ro[again_index[k]] = values[k];
    }

    std::string rw, holders, writers, stopped;
    auto add = [](std::string& list, const std::string& name) {
        if (!list.empty()) list += ',';
        list += name;
    };
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& name = o.hosts[i].name;
        if (ro[i] == "0") add(rw, name);
        if (holds[i]) add(holders, name);
        if (ro[i] == "0" && holds[i]) add(writers, name);
        if (ro[i] == "T") add(stopped, name);
    }
    return fmt::format("{} ro0:{} vip:{} writers:{} stopped:{}\n", epoch_of(started), rw, holders, writers, stopped);
}

volatile std::sig_atomic_t signalled = 0;
extern "C" void on_signal(int) { signalled = 1; }

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
        fmt::print("{}", usage_text);
        return 0;
    }
    auto parsed = parse_options(argc, argv);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        fmt::print(stderr, "mmm_rw_sampler: {}\n{}", *error, usage_text);
        return 2;
    }
    Options o = std::move(std::get<Options>(parsed));
    in_addr vip{};
    inet_pton(AF_INET, o.vip.c_str(), &vip);
    for (auto& h : o.hosts) {
        auto sock = netns_socket(h.netns);
        if (auto* error = std::get_if<std::string>(&sock)) {
            fmt::print(stderr, "mmm_rw_sampler: host {}: {}\n", h.name, *error);
            return 1;
        }
        h.nl = std::move(std::get<0>(sock));
    }
    const int out = ::open(o.out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out < 0) {
        fmt::print(stderr, "mmm_rw_sampler: cannot open {}: {}\n", o.out, std::strerror(errno));
        return 1;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    if (mysql_library_init(0, nullptr, nullptr) != 0) {
        fmt::print(stderr, "mmm_rw_sampler: mysql_library_init failed\n");
        return 1;
    }
    const auto period = std::chrono::milliseconds(o.period_ms);
    unsigned long samples = 0;
    while (signalled == 0 && ::access(o.stop.c_str(), F_OK) != 0) {
        const auto start = std::chrono::steady_clock::now();
        const std::string line = sample_line(o, vip);
        if (::write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            fmt::print(stderr, "mmm_rw_sampler: writing {} failed: {}\n", o.out, std::strerror(errno));
            break;
        }
        ++samples;
        std::this_thread::sleep_until(std::max(start + period, std::chrono::steady_clock::now() + period / 10));
    }
    ::close(out);
    for (auto& h : o.hosts) h.db.reset();
    mysql_library_end();
    fmt::print("samples={}\n", samples);
    return 0;
}
