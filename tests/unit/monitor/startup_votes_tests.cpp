// decide_startup (§10.2 votes, pure): how a monitor restarted in the middle of a writer move resumes or rolls back.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "monitor/core/startup_votes.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
StartupReport report(const std::string& host, const std::string& state, const std::string& roles,
                     std::optional<bool> writable, const std::string& master_ip = {}) {
    StartupReport r;
    r.host = host;
    protocol::AgentStatus a;
    a.state = state;
    a.roles = protocol::parse_roles(roles);
    r.agent = a;
    if (writable) {  // nullopt: its mysqld does not answer, GET_SYSTEM_STATUS fails
        protocol::SystemStatus s;
        s.roles = a.roles;
        s.writable = *writable;
        s.master_ip = master_ip;
        r.system = s;
    } else {
        r.system_error = "ERROR: Could not check if MySQL is writable: Can't connect";
    }
    return r;
}
StoredStatus stored(const std::vector<StoredHost>& hosts) {
    StoredStatus s;
    s.epoch = 7;
    s.hosts = hosts;
    return s;
}
std::optional<std::size_t> winner_of(const StartupDecision& d, const RoleTable& roles, const std::string& ip) {
    for (auto [e, h] : d.wins)
        if (roles.entries()[e].ip == ip) return h;
    return std::nullopt;
}
StartupInputs inputs(const std::optional<StoredStatus>& file) {
    StartupInputs in;
    in.stored = &file;
    in.alive = {1, 1, 1};
    in.agent_down = {0, 0, 0};
    return in;
}
}  // namespace

TEST_CASE("start-up votes: a failover saved before db1's agent heard of it resumes (db2 keeps the writer)",
          "[monitor][startup]") {
    const Config c = cluster_config();
    const RoleTable roles(c);
    // The decision was saved (db1 HARD_OFFLINE, db2 the writer), then the monitor died before telling anyone but db2;
    // db1's mysqld is dead, its agent still believes it holds the writer role.
    const std::optional<StoredStatus> file = stored({{"db1", HostState::HardOffline, {}, true},
                                                     {"db2", HostState::Online, protocol::parse_roles("writer(192.168.0.50)"), false},
                                                     {"db3", HostState::Online, {}, false}});
    const auto d = decide_startup(c, roles,
                                  {report("db1", "ONLINE", "writer(192.168.0.50)", std::nullopt),
                                   report("db2", "ONLINE", "writer(192.168.0.50)", true),
                                   report("db3", "ONLINE", "", false, "192.168.0.32")},
                                  inputs(file));
    CHECK(winner_of(d, roles, "192.168.0.50") == 1u);
    CHECK(d.states[0] == HostState::HardOffline);  // a dead host gets no writer votes, whatever its agent says
    CHECK(d.states[1] == HostState::Online);
    CHECK(d.failed_as_active_master[0]);
    CHECK_FALSE(d.conflict);
    CHECK(d.table.starts_with("Startup status:\n\nRoles:\n"));
}

TEST_CASE("start-up votes: a planned move saved before any agent heard of it rolls back (db1 keeps the writer)",
          "[monitor][startup]") {
    const Config c = cluster_config();
    const RoleTable roles(c);
    // move_role writer db2 was decided and saved; no agent was told: db1 is still writable with the writer IP and db3
    // replicates from it. The votes give the role back to db1 (writable 4 + IP 2 + agent 1 + replica 1 against the
    // file's 1): the move is rolled back, never half-done, and the epoch (stored + 1) is above what any agent took.
    const std::optional<StoredStatus> file = stored({{"db1", HostState::Online, {}, false},
                                                     {"db2", HostState::Online, protocol::parse_roles("writer(192.168.0.50)"), false},
                                                     {"db3", HostState::Online, {}, false}});
    const auto d = decide_startup(c, roles,
                                  {report("db1", "ONLINE", "writer(192.168.0.50)", true),
                                   report("db2", "ONLINE", "", false, "192.168.0.31"),
                                   report("db3", "ONLINE", "", false, "192.168.0.31")},
                                  inputs(file));
    CHECK(winner_of(d, roles, "192.168.0.50") == 0u);
    CHECK(d.states == std::vector<HostState>{HostState::Online, HostState::Online, HostState::Online});
}

TEST_CASE("start-up votes: an unreachable agent is said once per host and flagged", "[monitor][startup]") {
    const Config c = cluster_config();
    const RoleTable roles(c);
    const std::optional<StoredStatus> none;
    StartupReport silent;
    silent.host = "db3";
    silent.agent_error = "";
    silent.system_error = "";
    const auto d = decide_startup(c, roles,
                                  {report("db1", "ONLINE", "writer(192.168.0.50)", true), report("db2", "ONLINE", "", false),
                                   silent},
                                  inputs(none));
    CHECK(d.agent_down == std::vector<char>{0, 0, 1});
    const auto lines = d.log.log_texts();
    CHECK(std::count(lines.begin(), lines.end(), std::string("Can't reach agent on host 'db3'")) == 1);
    CHECK(d.states[2] == HostState::AwaitingRecovery);
}
