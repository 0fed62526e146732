// The agent component tests' setup: the real AgentService (and its Executor) on a real io_context, with a
// FakeNet and a FakeDb at its edges, for host db1 of a three-host cluster (db1 and db2 masters, db3 a slave).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "agent/service.hpp"
#include "fake_db.hpp"
#include "fake_net.hpp"
#include "journal.hpp"

#include "component/run_until.hpp"

namespace mmm::agent::test {

inline constexpr const char* writer_ip = "192.0.2.50";
inline constexpr const char* reader_ip = "192.0.2.51";
// db1's roles in SET_STATUS: the writer and a reader, or the reader only.
inline constexpr const char* writer_and_reader = "reader(192.0.2.51),writer(192.0.2.50)";
inline constexpr const char* reader_only = "reader(192.0.2.51)";

using mmm::test::run_until;

// Runs `io` for `span` (timers and completions of that span happen).
inline void run_for(asio::io_context& io, std::chrono::milliseconds span) {
    run_until(io, [] { return false; }, span);
}

inline Config test_cluster(const std::string& dir, Duration recheck_interval) {
    Config c;
    const auto host = [](std::string name, std::string ip, HostMode mode, std::string peer) {
        HostConfig h;
        h.name = std::move(name);
        h.ip = std::move(ip);
        h.mode = mode;
        h.peer = std::move(peer);
        h.cluster_interface = "eth-test";
        h.agent_user = "mmm_agent";
        return h;
    };
    c.hosts = {host("db1", "192.0.2.11", HostMode::Master, "db2"), host("db2", "192.0.2.12", HostMode::Master, "db1"),
               host("db3", "192.0.2.13", HostMode::Slave, "")};
    c.roles = {RoleConfig{"writer", RoleMode::Exclusive, {"db1", "db2"}, {writer_ip}, ""},
               RoleConfig{"reader", RoleMode::Balanced, {"db1", "db2", "db3"}, {reader_ip, "192.0.2.52"}, ""}};
    c.agent.state_path = dir + "/agent.epoch";
    c.agent.pid_path = dir + "/agent.pid";
    c.agent.recheck_interval = recheck_interval;  // 0: no re-check pass unless a test asks for one
    c.agent.garp_repeat_delay = Duration{0};        // no second burst: every announce comes from a pass
    return c;
}

// Where the host starts: the role IPs on the interface and whether the server is read-only.
struct HostStart {
    std::set<std::string> ips;
    bool read_only = true;
    Duration recheck_interval{0};
};

class AgentHarness {
public:
    explicit AgentHarness(HostStart start)
        : dir_(make_dir()), config_(test_cluster(dir_.string(), start.recheck_interval)) {
        log_.open((dir_ / "agent.log").string(), LogToStderr::No);
        auto net = std::make_unique<FakeNet>(journal, std::move(start.ips));
        auto db = std::make_unique<FakeDb>(journal, start.read_only);
        net_ = net.get();
        db_ = db.get();
        service_ = std::make_unique<AgentService>(io, config_, config_.hosts.front(), log_,
                                                  HostAdapters{std::move(net), std::move(db)});
    }
    ~AgentHarness() {
        db_->release_all();  // a held call would keep the worker (and stop()) waiting
        service_->stop();
        service_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    AgentHarness(const AgentHarness&) = delete;
    AgentHarness& operator=(const AgentHarness&) = delete;

    AgentService& service() { return *service_; }
    Logger& log() { return log_; }
    FakeNet& net() { return *net_; }
    FakeDb& db() { return *db_; }

    // Hands one request line to the service as the server does; the reply lands in the returned slot.
    std::shared_ptr<std::optional<std::string>> send(const std::string& line,
                                                     SteadyTime at = SteadyClock::now()) {
        auto slot = std::make_shared<std::optional<std::string>>();
        service_->handle_line(line, Received{at, Peer::Connected}, [slot](std::string r) { *slot = std::move(r); });
        return slot;
    }
    // Sends a line and runs the io_context until its reply (at most `bound`).
    std::string request(const std::string& line, SteadyTime at = SteadyClock::now(),
                        std::chrono::milliseconds bound = std::chrono::seconds(5)) {
        const auto slot = send(line, at);
        run_until(io, [&] { return slot->has_value(); }, bound);
        return slot->value_or("<no reply>");
    }
    // "SET_STATUS|1|db1|ONLINE|<roles>|db1<fields>" (fields: "|epoch=3|lease=500" or "").
    static std::string set_status(const std::string& roles, const std::string& fields = "") {
        return "SET_STATUS|1|db1|ONLINE|" + roles + "|db1" + fields;
    }
    std::string log_text() const {
        std::ifstream in(dir_ / "agent.log");
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    Journal journal;
    asio::io_context io;

private:
    static std::filesystem::path make_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mmm-agent-component-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        return tmpl;
    }

    std::filesystem::path dir_;
    Config config_;
    Logger log_;
    FakeNet* net_ = nullptr;
    FakeDb* db_ = nullptr;
    std::unique_ptr<AgentService> service_;  // last: destroyed first, before the fakes' journal and the io_context
};

// Position of `call` in `calls`, or calls.size() when absent.
inline std::size_t position(const std::vector<std::string>& calls, const std::string& call) {
    return static_cast<std::size_t>(std::find(calls.begin(), calls.end(), call) - calls.begin());
}

}  // namespace mmm::agent::test
