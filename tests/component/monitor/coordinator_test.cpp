// Component test of the Coordinator (issue 14) against a real single-member etcd (Debian's etcd-server, started here
// as a plain process on 127.0.0.1 with free ports and a temporary data directory): the election, the leader's state,
// resignation, abdication, and the leader losing etcd.
// mmm-test: cost 19
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <csignal>
#include <thread>
#include <tuple>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <httplib.h>

#include "component/run_until.hpp"
#include "monitor/coordinator.hpp"
#include "monitor/core/etcd_codec.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;
using mmm::test::run_until;

namespace {

using Clock = std::chrono::steady_clock;

// The etcd binary: /usr/bin/etcd (Debian's etcd-server) or the first on PATH; "" when there is none.
std::string find_etcd() {
    if (::access("/usr/bin/etcd", X_OK) == 0) return "/usr/bin/etcd";
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (dir.empty() || dir.front() != '/') continue;
        const auto candidate = dir + "/etcd";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
}

// Two free ports on 127.0.0.1: bound to port 0 together (so they differ), then released for etcd.
std::pair<std::uint16_t, std::uint16_t> free_ports() {
    std::uint16_t ports[2] = {0, 0};
    int fds[2] = {-1, -1};
    for (int i = 0; i < 2; ++i) {
        fds[i] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fds[i] >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        REQUIRE(::bind(fds[i], reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(fds[i], reinterpret_cast<sockaddr*>(&a), &len) == 0);
        ports[i] = ntohs(a.sin_port);
    }
    for (int fd : fds) ::close(fd);
    return {ports[0], ports[1]};
}

std::string file_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// One etcd member as a child process of the test: its data and log in a mkdtemp directory, removed at the end; only
// this pid is ever signalled. The child dies with the test (PR_SET_PDEATHSIG) should the test itself be killed.
class EtcdMember {
public:
    EtcdMember() {
        char tmpl[] = "/tmp/mmm-etcd-test-XXXXXX";
        const char* made = ::mkdtemp(tmpl);
        if (made != nullptr) dir_ = made;
    }
    ~EtcdMember() {
        kill();
        if (!dir_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(dir_, ignored);
        }
    }
    EtcdMember(const EtcdMember&) = delete;
    EtcdMember& operator=(const EtcdMember&) = delete;

    // Client connections over TLS with client certificates (etcd's --client-cert-auth): certificates made by
    // scripts/mmm-tls-init in the member's directory ("etcd" for the server, "client" for the monitor), before start().
    void use_tls() {
        const auto init = std::filesystem::path(MMM_SOURCE_DIR) / "scripts" / "mmm-tls-init";
        const auto command = init.string() + " " + (dir_ / "tls").string() +
                             " etcd=IP:127.0.0.1 client=DNS:mmm-monitor >/dev/null 2>&1";
        REQUIRE(std::system(command.c_str()) == 0);
        tls_ = true;
    }
    std::filesystem::path tls_file(const std::string& name) const { return dir_ / "tls" / name; }

    // Starts etcd and waits (at most 20 s) until its gateway answers a range request. FAILs (never skips) without
    // etcd: scripts/install-deps installs it.
    void start() {
        REQUIRE_FALSE(dir_.empty());
        const auto etcd = find_etcd();
        if (etcd.empty())
            FAIL("etcd is not installed (neither /usr/bin/etcd nor etcd on PATH): the coordinator's component test "
                 "needs a real etcd; scripts/install-deps installs it (Debian package etcd-server)");
        // Started again after kill(): the same ports and data (the same member back).
        if (client_port_ == 0) std::tie(client_port_, peer_port_) = free_ports();
        const auto peer = peer_port_;
        const auto client_url = endpoint();
        const auto peer_url = "http://127.0.0.1:" + std::to_string(peer);
        std::vector<std::string> args = {etcd,
                                         "--name", "t",
                                         "--data-dir", (dir_ / "data").string(),
                                         "--listen-client-urls", client_url,
                                         "--advertise-client-urls", client_url,
                                         "--listen-peer-urls", peer_url,
                                         "--initial-advertise-peer-urls", peer_url,
                                         "--initial-cluster", "t=" + peer_url};
        if (tls_)
            for (const auto& a : {std::string("--cert-file"), tls_file("etcd.pem").string(), std::string("--key-file"),
                                  tls_file("etcd.key").string(), std::string("--trusted-ca-file"),
                                  tls_file("ca.pem").string(), std::string("--client-cert-auth")})
                args.push_back(a);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const auto log_path = (dir_ / "etcd.log").string();
        const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(log_fd >= 0);
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid == 0) {
            // The child: async-signal-safe calls only until exec.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);
            const int null_fd = ::open("/dev/null", O_RDONLY);
            if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
            ::dup2(log_fd, STDOUT_FILENO);
            ::dup2(log_fd, STDERR_FILENO);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(log_fd);
        REQUIRE(pid > 0);
        pid_ = pid;

        const auto deadline = Clock::now() + 20s;
        while (true) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                FAIL("etcd exited at start-up; its log:\n" << file_text(dir_ / "etcd.log"));
            }
            auto c = client();
            c->set_connection_timeout(200ms);
            c->set_read_timeout(1s);
            const auto res = c->Post("/v3/kv/range", monitor::etcd::range_request("/"), "application/json");
            if (res && res->status == 200) break;
            if (Clock::now() > deadline)
                FAIL("etcd did not answer on 127.0.0.1:" << client_port_ << " within 20 s; its log:\n"
                                                          << file_text(dir_ / "etcd.log"));
            std::this_thread::sleep_for(50ms);
        }
    }

    // SIGKILL of the member this test started (and only it), reaped.
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    std::uint16_t port() const { return client_port_; }
    std::string endpoint() const {
        return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(client_port_);
    }
    // A client of the member's gateway (with the client certificate when it uses TLS).
    std::unique_ptr<httplib::Client> client() const {
        if (!tls_) return std::make_unique<httplib::Client>("127.0.0.1", client_port_);
        auto c = std::make_unique<httplib::Client>(endpoint(), tls_file("client.pem").string(),
                                                   tls_file("client.key").string());
        c->set_ca_cert_path(tls_file("ca.pem").c_str());
        c->enable_server_certificate_verification(true);
        return c;
    }

    // A third party's plain read of `key` (nullopt: absent or unreadable).
    std::optional<std::string> read(const std::string& key) const {
        auto c = client();
        c->set_connection_timeout(300ms);
        c->set_read_timeout(2s);
        const auto res = c->Post("/v3/kv/range", monitor::etcd::range_request(key), "application/json");
        if (!res || res->status != 200) return std::nullopt;
        const auto kv = monitor::etcd::parse_range(res->body);
        if (!kv || !*kv) return std::nullopt;
        return (*kv)->value;
    }

private:
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    std::uint16_t peer_port_ = 0;
    std::uint16_t client_port_ = 0;
    bool tls_ = false;
};

Config etcd_config(const EtcdMember& etcd, std::chrono::seconds lease_ttl, const std::string& prefix) {
    Config c;
    c.monitor.coordination.type = CoordinationType::Etcd;
    c.monitor.coordination.endpoints = {etcd.endpoint()};
    c.monitor.coordination.lease_ttl = lease_ttl;
    c.monitor.coordination.prefix = prefix;
    return c;
}

// A unique key prefix per test (one etcd per test anyway).
std::string unique_prefix(const std::string& test) {
    return "/mmm-test/" + test + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(Clock::now().time_since_epoch().count());
}

// One monitor's Coordinator and what it posted to the io_context.
struct Monitor {
    Monitor(asio::io_context& io, Logger& log, const Config& config, std::uint16_t port)
        : coordinator(io, log, config, etcd::LeaderRecord{"127.0.0.1", port, ::getpid(), ""},
                      Coordinator::Events{[this](Election e) { elections.push_back(std::move(e)); },
                                          [this](std::string why) { losses.push_back(std::move(why)); }}) {}
    std::vector<Election> elections;
    std::vector<std::string> losses;
    Coordinator coordinator;  // last: destroyed (thread joined) before the vectors its events fill
};

bool same_monitor(const etcd::LeaderRecord& a, const etcd::LeaderRecord& b) {
    return a.ip == b.ip && a.port == b.port && a.pid == b.pid;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Two monitors campaigning; returns once exactly one was elected and the other names it as the leader (REQUIREd),
// the winner first.
std::pair<Monitor*, Monitor*> elect_one(asio::io_context& io, Monitor& a, Monitor& b) {
    a.coordinator.start();
    b.coordinator.start();
    run_until(io, [&] { return !a.elections.empty() || !b.elections.empty(); }, 10s);
    REQUIRE(a.elections.size() + b.elections.size() == 1);
    Monitor* winner = a.elections.empty() ? &b : &a;
    Monitor* loser = winner == &a ? &b : &a;
    // The loser reads who leads at its next campaign (a quarter of the TTL, at most 1 s).
    run_until(io, [&] { return loser->coordinator.leader().has_value(); }, 5s);
    // Long enough for the loser to campaign again at least once: still exactly one leader.
    run_until(io, [] { return false; }, std::chrono::duration_cast<std::chrono::milliseconds>(
                                            loser->coordinator.campaign_interval() + 300ms));
    CHECK(winner->elections.size() == 1);
    CHECK(loser->elections.empty());
    CHECK(winner->losses.empty());
    CHECK(loser->losses.empty());
    CHECK(winner->coordinator.leading());
    CHECK_FALSE(loser->coordinator.leading());
    const auto named = loser->coordinator.leader();
    REQUIRE(named);
    const auto me = winner->coordinator.me();
    INFO("named " << etcd::encode_leader(*named) << ", winner " << etcd::encode_leader(me));
    CHECK(same_monitor(*named, me));
    CHECK(named->since == me.since);
    REQUIRE(winner->coordinator.leader());
    CHECK(same_monitor(*winner->coordinator.leader(), me));
    const auto& e = winner->elections.front();
    CHECK(e.revision > 0);
    CHECK(e.campaign_ms >= 0);
    return {winner, loser};
}

// A real etcd member, an io_context and two monitors (ports base + 1 and base + 2) of which one was elected.
struct ElectedPair {
    ElectedPair(std::chrono::seconds lease_ttl, const std::string& test, std::uint16_t base)
        : config((etcd.start(), etcd_config(etcd, lease_ttl, unique_prefix(test)))),
          a(io, log, config, static_cast<std::uint16_t>(base + 1)),
          b(io, log, config, static_cast<std::uint16_t>(base + 2)) {
        std::tie(winner, loser) = elect_one(io, a, b);
    }
    EtcdMember etcd;
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
    Logger log;
    Config config;
    Monitor a;
    Monitor b;
    Monitor* winner = nullptr;
    Monitor* loser = nullptr;
};

}  // namespace

TEST_CASE("coordinator: one of two is elected, its state is stored, and it resigns to the other on stop",
          "[component][coordinator][etcd]") {
    EtcdMember etcd;
    etcd.start();
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    Logger log;
    // A 5 s lease: a takeover by resignation (within a campaign interval, 1 s) is clearly faster than one by expiry.
    const auto config = etcd_config(etcd, 5s, unique_prefix("resign"));
    Monitor a(io, log, config, 19001);
    Monitor b(io, log, config, 19002);
    CHECK(a.coordinator.leader_key() == config.monitor.coordination.prefix + "/leader");
    CHECK(a.coordinator.state_key() == config.monitor.coordination.prefix + "/status");
    auto [winner, loser] = elect_one(io, a, b);
    CHECK_FALSE(winner->elections.front().state);  // nothing stored yet

    // The leader key holds the winner's record, for anyone to read.
    const auto record = etcd.read(winner->coordinator.leader_key());
    REQUIRE(record);
    const auto parsed = etcd::parse_leader(*record);
    REQUIRE(parsed);
    CHECK(same_monitor(*parsed, winner->coordinator.me()));

    // The leader's state, written by its thread, is read by a third party.
    const std::string status = "# mmm-status 3 mode=ACTIVE epoch=" +
                               std::to_string(etcd::epoch_floor(winner->elections.front().revision)) +
                               "\ndb1|ONLINE|writer(192.0.2.50)\n";
    winner->coordinator.save(status);
    std::optional<std::string> stored;
    const auto save_deadline = Clock::now() + 5s;
    while (Clock::now() < save_deadline) {
        stored = etcd.read(winner->coordinator.state_key());
        if (stored == status) break;
        std::this_thread::sleep_for(20ms);
    }
    CHECK(stored == status);
    CHECK(winner->coordinator.leading());  // a write does not cost the lead

    // stop(): resigns (deletes its key, revokes its lease); the other leads at its next campaign.
    const auto first_revision = winner->elections.front().revision;
    const auto stop_started = Clock::now();
    winner->coordinator.stop();
    const auto stop_took = Clock::now() - stop_started;
    CHECK(stop_took < 5s);  // a few request timeouts at most
    CHECK_FALSE(winner->coordinator.leading());
    run_until(io, [&] { return !loser->elections.empty(); }, 10s);
    const auto takeover = Clock::now() - stop_started;
    INFO("stop took " << ms(stop_took) << " ms; the other led " << ms(takeover) << " ms after stop()");
    REQUIRE(loser->elections.size() == 1);
    // Well within the lease's 5 s: the lease was not waited out.
    CHECK(takeover < 3s);
    CHECK(loser->coordinator.leading());
    CHECK(winner->losses.empty());  // a resignation is no loss
    // The new leader resumes from the stored state, with a later revision (its epochs lie above the old leader's).
    const auto& e = loser->elections.front();
    CHECK(e.state == status);
    CHECK(e.revision > first_revision);
    CHECK(etcd::epoch_floor(e.revision) > etcd::epoch_floor(first_revision));
    const auto now_record = etcd.read(loser->coordinator.leader_key());
    REQUIRE(now_record);
    REQUIRE(etcd::parse_leader(*now_record));
    CHECK(same_monitor(*etcd::parse_leader(*now_record), loser->coordinator.me()));
    CHECK(loser->coordinator.requests() > 0);

    loser->coordinator.stop();
    // Both resigned: no leader key is left behind.
    CHECK_FALSE(etcd.read(loser->coordinator.leader_key()));
}

TEST_CASE("coordinator: abdicate() posts `lost` and the other monitor is elected", "[component][coordinator][etcd]") {
    ElectedPair pair(5s, "abdicate", 19010);
    auto& io = pair.io;
    auto* winner = pair.winner;
    auto* loser = pair.loser;

    const auto started = Clock::now();
    winner->coordinator.abdicate("an agent has accepted a newer epoch");
    CHECK_FALSE(winner->coordinator.leading());  // at once, before the thread got to it
    run_until(io, [&] { return !winner->losses.empty() && !loser->elections.empty(); }, 10s);
    const auto took = Clock::now() - started;
    INFO("the other led " << ms(took) << " ms after abdicate(); the one that abdicated was elected "
                          << winner->elections.size() << " times");
    REQUIRE(winner->losses.size() == 1);
    CHECK(winner->losses.front() == "an agent has accepted a newer epoch");
    REQUIRE(loser->elections.size() == 1);
    CHECK(took < 3s);  // the key was deleted: no waiting for the 5 s lease
    CHECK(loser->elections.front().revision > winner->elections.front().revision);
    CHECK(loser->coordinator.leading());

    // The one that abdicated campaigns again as a follower: it does not get the lead back, and names the new leader.
    run_until(io, [&] {
        const auto who = winner->coordinator.leader();
        return who && same_monitor(*who, loser->coordinator.me());
    }, 5s);
    run_until(io, [] { return false; },
              std::chrono::duration_cast<std::chrono::milliseconds>(winner->coordinator.campaign_interval() + 300ms));
    CHECK(winner->elections.size() == 1);
    CHECK_FALSE(winner->coordinator.leading());
    REQUIRE(winner->coordinator.leader());
    CHECK(same_monitor(*winner->coordinator.leader(), loser->coordinator.me()));
    CHECK(loser->losses.empty());
}

TEST_CASE("coordinator: a leader that cannot reach etcd pauses within about its lease, and leads on when etcd is back",
          "[component][coordinator][etcd]") {
    ElectedPair pair(2s, "etcd-killed", 19020);
    auto& io = pair.io;
    auto& etcd = pair.etcd;
    auto* winner = pair.winner;
    auto* loser = pair.loser;

    const auto killed = Clock::now();
    etcd.kill();
    run_until(io, [&] { return !winner->coordinator.leading(); }, 15s);
    const auto took = Clock::now() - killed;
    INFO("paused " << ms(took) << " ms after etcd was killed");
    REQUIRE_FALSE(winner->coordinator.leading());
    // The lease (2 s) counts from the last renewal sent, a third of it before at most.
    CHECK(took < 3s);
    CHECK(winner->coordinator.paused_seconds().has_value());
    CHECK_FALSE(winner->coordinator.last_error().empty());
    // Paused, not stepped down: etcd could not say the lease ended. Nobody else leads without etcd.
    run_until(io, [] { return false; }, 2s);
    CHECK(winner->losses.empty());
    CHECK(loser->elections.empty());
    CHECK_FALSE(loser->coordinator.leading());

    // etcd back with its data: the lease is alive again (etcd refreshes leases when it elects its own leader), so the
    // same monitor leads on; had it expired, the winner would post `lost` and one of the two would be elected.
    etcd.start();
    run_until(io, [&] { return winner->coordinator.leading() || !winner->losses.empty(); }, 15s);
    if (winner->losses.empty()) {
        CHECK(winner->coordinator.leading());
        CHECK_FALSE(winner->coordinator.paused_seconds().has_value());
        CHECK(loser->elections.empty());
    } else {
        run_until(io, [&] { return pair.a.coordinator.leading() || pair.b.coordinator.leading(); }, 15s);
        CHECK(pair.a.coordinator.leading() != pair.b.coordinator.leading());
    }
}

TEST_CASE("coordinator: https endpoints with etcd's client certificate authentication (coordination cert, key, CA)",
          "[component][coordinator][etcd][tls]") {
    // As mmm_mond (monitor/main.cpp): a TLS write to a peer that closed (etcd refusing the anonymous client below)
    // is an error, not a signal.
    std::signal(SIGPIPE, SIG_IGN);
    EtcdMember etcd;
    etcd.use_tls();
    etcd.start();
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    Logger log;
    auto config = etcd_config(etcd, 2s, unique_prefix("tls"));
    config.monitor.coordination.ca_file = etcd.tls_file("ca.pem").string();
    config.monitor.coordination.cert_file = etcd.tls_file("client.pem").string();
    config.monitor.coordination.key_file = etcd.tls_file("client.key").string();
    Monitor a(io, log, config, 19031);
    Monitor b(io, log, config, 19032);
    auto [winner, loser] = elect_one(io, a, b);
    winner->coordinator.save("state over TLS");
    const auto key = std::string(config.etcd_prefix()) + "/status";
    run_until(io, [&] { return etcd.read(key) == std::optional<std::string>("state over TLS"); }, 5s);
    CHECK(etcd.read(key) == std::optional<std::string>("state over TLS"));

    // Without the client certificate etcd refuses the connection: no election, the error is kept.
    auto anonymous = config;
    anonymous.monitor.coordination.cert_file.clear();
    anonymous.monitor.coordination.key_file.clear();
    anonymous.monitor.coordination.prefix = unique_prefix("tls-anonymous");
    Monitor c(io, log, anonymous, 19033);
    c.coordinator.start();
    run_until(io, [&] { return !c.coordinator.last_error().empty(); }, 5s);
    CHECK_FALSE(c.coordinator.last_error().empty());
    run_until(io, [] { return false; }, 1s);
    CHECK(c.elections.empty());
    CHECK_FALSE(c.coordinator.leader().has_value());
}
