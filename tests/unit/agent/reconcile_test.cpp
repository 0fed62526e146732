// Unit tests of the agent core: reconcile ordering and idempotence, SET_STATUS bookkeeping, GARP schedule.
#include <catch2/catch.hpp>

#include "agent/core/reconcile.hpp"
#include "agent/core/run_plan.hpp"
#include "agent/core/set_status.hpp"
#include "unit/agent/test_context.hpp"

using namespace mmm;
using namespace mmm::agent;

namespace {

Context make_ctx(const std::string& host, HostMode mode) { return test_context(host, mode); }

AgentState desired(std::string state, std::vector<RoleIp> roles, std::string master) {
    AgentState s;
    s.received = true;
    s.state = std::move(state);
    std::sort(roles.begin(), roles.end());
    s.roles = std::move(roles);
    s.master = std::move(master);
    return s;
}

std::vector<std::string> kinds(const std::vector<Action>& actions) {
    std::vector<std::string> out;
    for (const auto& a : actions) {
        std::string k(to_string(a.kind));
        if (!a.ip.empty()) k += " " + a.ip;
        if (!a.master.empty()) k += " " + a.master;
        out.push_back(k);
    }
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("nothing is touched before the first SET_STATUS", "[agent][reconcile]") {
    const auto ctx = make_ctx("db1", HostMode::Master);
    AgentState fresh;
    Observed o;
    o.ips = {"192.0.2.50"};
    o.read_only = false;
    CHECK(reconcile(fresh, o, ctx).empty());
}

TEST_CASE("addresses with the agent's label that no configured role has are removed, also before any SET_STATUS",
          "[agent][reconcile][security]") {
    // Issue 12 item 1: an agent before it obeyed only its configuration added any address it was told to; those
    // were never removed again, not even by CLEAR_BAD_ROLES.
    const auto ctx = make_ctx("db1", HostMode::Master);
    Observed o;
    o.ips = {"192.0.2.50"};
    o.strays = {"10.99.88.77", "255.255.255.255"};
    o.read_only = true;
    CHECK(kinds(reconcile(AgentState{}, o, ctx)) == V{"RemoveIp 10.99.88.77", "RemoveIp 255.255.255.255"});
    auto d = desired("ONLINE", {{"writer", "192.0.2.50"}}, "db1");
    const auto with_roles = kinds(reconcile(d, o, ctx));
    REQUIRE(with_roles.size() >= 2);
    CHECK(with_roles[0] == "RemoveIp 10.99.88.77");
    CHECK(with_roles[1] == "RemoveIp 255.255.255.255");
}

TEST_CASE("gaining the writer: catch up, allow writes, add IP, announce", "[agent][reconcile]") {
    const auto ctx = make_ctx("db2", HostMode::Master);
    const auto d = desired("ONLINE", {{"writer", "192.0.2.50"}, {"reader", "192.0.2.52"}}, "db2");
    Observed o;
    o.read_only = true;
    o.ips = {"192.0.2.52"};
    const auto actions = reconcile(d, o, ctx);
    CHECK(kinds(actions) == V{"CatchUp", "AllowWrites", "AddIp 192.0.2.50", "Announce 192.0.2.50"});
    for (const auto& a : actions) CHECK(a.on_failure == OnFailure::SkipChain);
    CHECK(actions.front().chain == actions.back().chain);

    SECTION("writer before readers when both are new") {
        o.ips.clear();
        CHECK(kinds(reconcile(d, o, ctx)) == V{"CatchUp", "AllowWrites", "AddIp 192.0.2.50", "Announce 192.0.2.50",
                                               "AddIp 192.0.2.52", "Announce 192.0.2.52"});
    }
    SECTION("already writable with its IP: nothing to do") {
        o.read_only = false;
        o.ips = {"192.0.2.50", "192.0.2.52"};
        CHECK(reconcile(d, o, ctx).empty());
    }
    SECTION("writable but the writer IP is not there: the peer check still comes before the IP (issue 10 item 6)") {
        o.read_only = false;
        o.ips = {"192.0.2.52"};
        const auto writable = reconcile(d, o, ctx);
        CHECK(kinds(writable) == V{"CatchUp", "AllowWrites", "AddIp 192.0.2.50", "Announce 192.0.2.50"});
        for (const auto& a : writable) CHECK(a.chain == writable.front().chain);
        for (const auto& a : writable) CHECK(a.on_failure == OnFailure::SkipChain);
    }
    SECTION("server unreachable: no writer step and no writer IP until it answers; readers still go up") {
        o.read_only.reset();
        o.ips.clear();
        CHECK(kinds(reconcile(d, o, ctx)) == V{"AddIp 192.0.2.52", "Announce 192.0.2.52"});
    }
}

TEST_CASE("a candidate already at read_only=0 gains the writer only through the catch-up", "[agent][reconcile]") {
    // Issue 10 item 6 (b): the check that the old master is read-only was planned only on a read-only server.
    const auto ctx = make_ctx("db2", HostMode::Master);
    const auto d = desired("ONLINE", {{"writer", "192.0.2.50"}}, "db2");
    Observed o;
    o.read_only = false;
    const auto actions = reconcile(d, o, ctx);
    REQUIRE(kinds(actions) == V{"CatchUp", "AllowWrites", "AddIp 192.0.2.50", "Announce 192.0.2.50"});
    CHECK(actions[0].reason == "writer role gained on a writable server");

    SECTION("a failed catch-up keeps the writer IP off") {
        const auto steps = run_plan(actions, [](const Action& a) -> Result<std::string> {
            if (a.kind == ActionKind::CatchUp) return fail("'db1' still takes writes (read_only=0)");
            return std::string("done");
        });
        REQUIRE(steps.size() == 4);
        CHECK(steps[0].status == StepStatus::Failed);
        for (std::size_t i = 1; i < steps.size(); ++i) CHECK(steps[i].status == StepStatus::Skipped);
    }
    SECTION("with no replication configured (no replica observation) the catch-up is still planned") {
        o.replica.reset();
        CHECK(kinds(reconcile(d, o, ctx)).front() == "CatchUp");
    }
    SECTION("the same on a replica-mode host: the catch-up names the master it replaces") {
        const auto sctx = make_ctx("db3", HostMode::Slave);
        auto sd = desired("ONLINE", {{"writer", "192.0.2.50"}}, "db1");
        sd.active_master = "db1";
        o.replica = ReplicaObservation{"db1", true, true};
        CHECK(kinds(reconcile(sd, o, sctx)) == V{"CatchUp db1", "AllowWrites", "AddIp 192.0.2.50", "Announce 192.0.2.50"});
    }
    SECTION("in place (writable, writer IP there): nothing, however often it runs") {
        o.ips = {"192.0.2.50"};
        CHECK(reconcile(d, o, ctx).empty());
        CHECK(reconcile(d, o, ctx).empty());
    }
}

TEST_CASE("losing the writer: deny writes before removing the IP", "[agent][reconcile]") {
    const auto ctx = make_ctx("db1", HostMode::Master);
    const auto d = desired("ONLINE", {{"reader", "192.0.2.51"}}, "db2");
    Observed o;
    o.read_only = false;
    o.ips = {"192.0.2.50", "192.0.2.51"};
    const auto actions = reconcile(d, o, ctx);
    CHECK(kinds(actions) == V{"DenyWrites", "RemoveIp 192.0.2.50"});
    CHECK(actions[0].on_failure == OnFailure::Continue);  // the IP goes even when read_only could not be set

    SECTION("read-only already, writer IP still there: deny (kills) and remove") {
        o.read_only = true;
        CHECK(kinds(reconcile(d, o, ctx)) == V{"DenyWrites", "RemoveIp 192.0.2.50"});
    }
    SECTION("read-only and no writer IP: nothing to do") {
        o.read_only = true;
        o.ips = {"192.0.2.51"};
        CHECK(reconcile(d, o, ctx).empty());
    }
    SECTION("writable without any role (e.g. resumed after a hang): deny writes") {
        o.ips = {};
        const auto none = desired("ONLINE", {}, "db2");
        CHECK(kinds(reconcile(none, o, ctx)) == V{"DenyWrites"});
    }
    SECTION("server does not answer (hung): the IP goes first, deny-write is still tried") {
        o.read_only.reset();
        CHECK(kinds(reconcile(d, o, ctx)) == V{"RemoveIp 192.0.2.50", "DenyWrites"});
    }
    SECTION("reader IP removed without touching writes") {
        o.read_only = true;
        o.ips = {"192.0.2.51", "192.0.2.53"};
        CHECK(kinds(reconcile(d, o, ctx)) == V{"RemoveIp 192.0.2.53"});
    }
}

TEST_CASE("replica repoint then verify, masters never repoint", "[agent][reconcile]") {
    const auto ctx = make_ctx("db3", HostMode::Slave);
    auto d = desired("ONLINE", {{"reader", "192.0.2.53"}}, "db2");
    Observed o;
    o.read_only = true;
    o.ips = {"192.0.2.53"};
    o.replica = ReplicaObservation{"db1", true, true};
    const auto actions = reconcile(d, o, ctx);
    CHECK(kinds(actions) == V{"Repoint db2", "VerifyReplication db2"});
    CHECK(actions[0].chain == actions[1].chain);
    CHECK(actions[0].on_failure == OnFailure::SkipChain);

    SECTION("already a replica of the new master and confirmed: nothing") {
        o.replica->master_host = "db2";
        d.active_master = "db2";
        CHECK(reconcile(d, o, ctx).empty());
    }
    SECTION("pointed there but never confirmed: verify only") {
        o.replica->master_host = "db2";
        CHECK(kinds(reconcile(d, o, ctx)) == V{"VerifyReplication db2"});
    }
    SECTION("not ONLINE: no repoint") {
        d.state = "REPLICATION_FAIL";
        CHECK(reconcile(d, o, ctx).empty());
    }
    SECTION("server does not answer: no repoint yet") {
        o.read_only.reset();
        o.replica.reset();
        CHECK(reconcile(d, o, ctx).empty());
    }
    SECTION("no master named: no repoint") {
        d.master = "";
        CHECK(reconcile(d, o, ctx).empty());
    }
    SECTION("repoint comes before the role changes") {
        o.ips = {};
        CHECK(kinds(reconcile(d, o, ctx)) == V{"Repoint db2", "VerifyReplication db2", "AddIp 192.0.2.53",
                                               "Announce 192.0.2.53"});
    }
    SECTION("a master is never repointed") {
        const auto mctx = make_ctx("db1", HostMode::Master);
        o.ips = {};
        CHECK(reconcile(desired("ONLINE", {}, "db2"), o, mctx).empty());
    }
}

TEST_CASE("ADMIN_OFFLINE stops replication, leaving it starts it once", "[agent][reconcile]") {
    const auto ctx = make_ctx("db3", HostMode::Slave);
    Observed o;
    o.read_only = true;
    o.replica = ReplicaObservation{"db1", true, true};
    CHECK(kinds(reconcile(desired("ADMIN_OFFLINE", {}, "db1"), o, ctx)) == V{"StopReplication"});
    o.replica->io_running = false;
    o.replica->sql_running = false;
    CHECK(reconcile(desired("ADMIN_OFFLINE", {}, "db1"), o, ctx).empty());
    auto leaving = desired("AWAITING_RECOVERY", {}, "db1");
    leaving.resume_replication = true;
    CHECK(kinds(reconcile(leaving, o, ctx)) == V{"StartReplication"});
    leaving.resume_replication = false;
    CHECK(reconcile(leaving, o, ctx).empty());
}

TEST_CASE("a replica whose IO thread died alone (error 1236 from a new master still catching up) starts it again",
          "[agent][reconcile]") {
    for (const auto mode : {HostMode::Slave, HostMode::Master}) {
        const auto ctx = make_ctx(mode == HostMode::Slave ? "db3" : "db2", mode);
        Observed o;
        o.read_only = true;
        o.replica = ReplicaObservation{"db1", false, true, false, true, true};  // IO "No", SQL running, no SQL error
        // Its repoint to db1 was verified (the agent noted db1 as its active master), then the IO thread died.
        auto want = [](std::string state) {
            auto d = desired(std::move(state), {}, "db1");
            d.active_master = "db1";
            return d;
        };
        CHECK(kinds(reconcile(want("ONLINE"), o, ctx)) == V{"StartReplication"});
        CHECK(kinds(reconcile(want("REPLICATION_FAIL"), o, ctx)) == V{"StartReplication"});
        // Not while connecting, not after a full STOP SLAVE (the applier stopped too), not on an applier error, not
        // ADMIN_OFFLINE or HARD_OFFLINE.
        auto connecting = o;
        connecting.replica->io_stopped = false;
        CHECK(reconcile(want("ONLINE"), connecting, ctx).empty());
        auto broken = o;
        broken.replica->sql_error = true;
        CHECK(reconcile(want("ONLINE"), broken, ctx).empty());
        CHECK(kinds(reconcile(want("ADMIN_OFFLINE"), o, ctx)) == V{"StopReplication"});  // its applier still runs
        CHECK(reconcile(want("HARD_OFFLINE"), o, ctx).empty());
        if (mode == HostMode::Slave) {
            auto stopped = o;
            stopped.replica->sql_running = false;
            CHECK(reconcile(want("ONLINE"), stopped, ctx).empty());
        }
    }
}

TEST_CASE("a passive master whose replication was stopped at its promotion follows the active master again",
          "[agent][reconcile]") {
    // db2 took the writer from a db1 that did not answer and stopped replicating from it (issue 11); the writer is
    // back on db1 now: db2 starts replicating from db1 again.
    const auto ctx = make_ctx("db2", HostMode::Master);
    Observed o;
    o.read_only = true;
    o.replica = ReplicaObservation{"db1", false, false, false};
    CHECK(kinds(reconcile(desired("ONLINE", {}, "db1"), o, ctx)) == V{"StartReplication"});
    // Not while it holds the writer role, not when stopped by an error, not ADMIN_OFFLINE, not on a slave, not
    // when it points elsewhere, not when the server does not answer.
    CHECK(kinds(reconcile(desired("ONLINE", {{"writer", "192.0.2.50"}}, "db2"), o, ctx)) ==
          V{"CatchUp", "AllowWrites", "AddIp 192.0.2.50", "Announce 192.0.2.50"});
    // REPLICATION_FAIL is what the stopped threads cause as soon as the role left: it starts there too.
    CHECK(kinds(reconcile(desired("REPLICATION_FAIL", {}, "db1"), o, ctx)) == V{"StartReplication"});
    CHECK(reconcile(desired("ADMIN_OFFLINE", {}, "db1"), o, ctx).empty());
    CHECK(reconcile(desired("HARD_OFFLINE", {}, "db1"), o, ctx).empty());
    CHECK(reconcile(desired("ONLINE", {}, "db3"), o, ctx).empty());
    auto broken = o;
    broken.replica->sql_error = true;
    CHECK(reconcile(desired("ONLINE", {}, "db1"), broken, ctx).empty());
    auto unknown = o;
    unknown.read_only.reset();
    CHECK(reconcile(desired("ONLINE", {}, "db1"), unknown, ctx).empty());
    CHECK(kinds(reconcile(desired("ONLINE", {}, "db1"), o, make_ctx("db2", HostMode::Slave))) ==
          V{"VerifyReplication db1"});  // a slave's replication is the repoint's business
}

TEST_CASE("semi-sync deployments: the master side is on on the writer only", "[agent][reconcile]") {
    const auto ctx = make_ctx("db2", HostMode::Master);
    Observed o;
    o.read_only = true;
    o.ips = {"192.0.2.52"};
    o.semisync_master = false;
    // Gaining the writer: on after the catch-up, before writes are allowed.
    CHECK(kinds(reconcile(desired("ONLINE", {{"writer", "192.0.2.50"}, {"reader", "192.0.2.52"}}, "db2"), o, ctx)) ==
          V{"CatchUp", "SemiSyncMasterOn", "AllowWrites", "AddIp 192.0.2.50", "Announce 192.0.2.50"});
    // A writer found with it off (an agent restart, a change by hand): on.
    auto writer = o;
    writer.read_only = false;
    writer.ips = {"192.0.2.50", "192.0.2.52"};
    CHECK(kinds(reconcile(desired("ONLINE", {{"writer", "192.0.2.50"}, {"reader", "192.0.2.52"}}, "db2"), writer, ctx)) ==
          V{"SemiSyncMasterOn"});
    // A passive master with it on (its applier's commits would wait for acknowledgements): off.
    auto passive = o;
    passive.semisync_master = true;
    CHECK(kinds(reconcile(desired("ONLINE", {{"reader", "192.0.2.52"}}, "db1"), passive, ctx)) == V{"SemiSyncMasterOff"});
    // No semi-sync deployment (replica side off), or unknown: nothing.
    passive.semisync_master.reset();
    CHECK(reconcile(desired("ONLINE", {{"reader", "192.0.2.52"}}, "db1"), passive, ctx).empty());
}

TEST_CASE("a GTID replica's repoint is answered before its pass, writer steps and coordinates are not",
          "[agent][reconcile]") {
    const auto ctx = make_ctx("db3", HostMode::Slave);
    Observed o;
    o.read_only = true;
    o.ips = {"192.0.2.53"};
    o.replica = ReplicaObservation{"db1", true, true, false, true};
    const auto repoint = reconcile(desired("ONLINE", {{"reader", "192.0.2.53"}, {"reader", "192.0.2.51"}}, "db2"), o, ctx);
    REQUIRE(kinds(repoint) == V{"Repoint db2", "VerifyReplication db2", "AddIp 192.0.2.51", "Announce 192.0.2.51"});
    CHECK(reply_before_pass(repoint, o, ctx));
    auto coordinates = o;
    coordinates.replica->gtid = false;
    CHECK_FALSE(reply_before_pass(repoint, coordinates, ctx));
    CHECK_FALSE(reply_before_pass({}, o, ctx));  // nothing to repoint: answered after the (short) pass
    const auto mctx = make_ctx("db2", HostMode::Master);
    auto writer = o;
    writer.replica->master_host = "db1";
    const auto gain = reconcile(desired("ONLINE", {{"writer", "192.0.2.50"}}, "db2"), writer, mctx);
    CHECK_FALSE(reply_before_pass(gain, writer, mctx));
}

TEST_CASE("reconcile is idempotent: applying its plan leaves nothing to do", "[agent][reconcile]") {
    const auto ctx = make_ctx("db2", HostMode::Master);
    const auto d = desired("ONLINE", {{"writer", "192.0.2.50"}, {"reader", "192.0.2.52"}}, "db2");
    Observed o;
    o.read_only = GENERATE(true, false);  // a writable candidate too (its plan starts with the catch-up)
    o.ips = {"192.0.2.51"};
    for (const auto& a : reconcile(d, o, ctx)) {
        switch (a.kind) {
        case ActionKind::AllowWrites: o.read_only = false; break;
        case ActionKind::DenyWrites: o.read_only = true; break;
        case ActionKind::AddIp: o.ips.insert(a.ip); break;
        case ActionKind::RemoveIp: o.ips.erase(a.ip); break;
        default: break;
        }
    }
    CHECK(o.ips == std::set<std::string>{"192.0.2.50", "192.0.2.52"});
    CHECK(o.read_only == false);
    CHECK(reconcile(d, o, ctx).empty());
}

TEST_CASE("SET_STATUS logs mysql-mmm's texts", "[agent][set_status]") {
    const auto ctx = make_ctx("db1", HostMode::Master);
    AgentState s;
    auto logs = apply_set_status(s, {"ONLINE", {{"writer", "192.0.2.50"}, {"reader", "192.0.2.51"}}, "db1"}, ctx);
    CHECK(s.received);
    CHECK(s.state == "ONLINE");
    CHECK(s.roles == std::vector<RoleIp>{{"reader", "192.0.2.51"}, {"writer", "192.0.2.50"}});
    CHECK(logs == std::vector<LogLine>{
                      {LogLevel::Info, "We have some new roles added or old rules deleted!"},
                      {LogLevel::Info, "Added:   reader(192.0.2.51), writer(192.0.2.50)"},
                  });
    // same again: nothing to log
    CHECK(apply_set_status(s, {"ONLINE", {{"reader", "192.0.2.51"}, {"writer", "192.0.2.50"}}, "db1"}, ctx).empty());
    logs = apply_set_status(s, {"ONLINE", {{"reader", "192.0.2.51"}, {"reader", "192.0.2.53"}}, "db2"}, ctx);
    CHECK(logs == std::vector<LogLine>{
                      {LogLevel::Info, "We have some new roles added or old rules deleted!"},
                      {LogLevel::Info, "Deleted: writer(192.0.2.50)"},
                      {LogLevel::Info, "Added:   reader(192.0.2.53)"},
                  });
    CHECK(s.master == "db2");  // masters record it but never log a master change
}

TEST_CASE("SET_STATUS on a slave: master changes and unknown hosts", "[agent][set_status]") {
    const auto ctx = make_ctx("db3", HostMode::Slave);
    AgentState s;
    auto logs = apply_set_status(s, {"ONLINE", {}, "db1"}, ctx);
    CHECK(logs == std::vector<LogLine>{{LogLevel::Info, "Changing active master to 'db1'"}});
    s.active_master = "db1";
    CHECK(apply_set_status(s, {"ONLINE", {}, "db1"}, ctx).empty());
    logs = apply_set_status(s, {"ONLINE", {}, "db9"}, ctx);
    CHECK(logs == std::vector<LogLine>{{LogLevel::Fatal, "Failed to change master to 'db9': ERROR: Unknown host db9"}});
    CHECK(s.master == "db1");
    // not ONLINE: recorded, no log
    CHECK(apply_set_status(s, {"REPLICATION_FAIL", {}, "db2"}, ctx).empty());
    CHECK(s.master == "db2");
}

TEST_CASE("SET_STATUS state transitions around ADMIN_OFFLINE", "[agent][set_status]") {
    const auto ctx = make_ctx("db3", HostMode::Slave);
    AgentState s;
    (void)apply_set_status(s, {"ADMIN_OFFLINE", {}, "db1"}, ctx);
    CHECK_FALSE(s.resume_replication);
    (void)apply_set_status(s, {"ONLINE", {}, "db1"}, ctx);
    CHECK(s.resume_replication);
    (void)apply_set_status(s, {"ADMIN_OFFLINE", {}, "db1"}, ctx);
    CHECK_FALSE(s.resume_replication);
}

TEST_CASE("a failed step cancels the rest of its chain only", "[agent][run_plan]") {
    const auto ctx = make_ctx("db2", HostMode::Master);
    const auto d = desired("ONLINE", {{"writer", "192.0.2.50"}, {"reader", "192.0.2.52"}}, "db2");
    Observed o;
    o.read_only = true;
    const auto actions = reconcile(d, o, ctx);
    std::vector<std::string> called;
    const auto steps = run_plan(actions, [&](const Action& a) -> Result<std::string> {
        called.push_back(std::string(to_string(a.kind)) + (a.ip.empty() ? "" : " " + a.ip));
        if (a.kind == ActionKind::CatchUp) return fail("timed out");
        return std::string("done");
    });
    // The writer chain stops at the failed catch-up: no read_only=0, no writer IP; the reader IP still goes up.
    CHECK(called == V{"CatchUp", "AddIp 192.0.2.52", "Announce 192.0.2.52"});
    REQUIRE(steps.size() == actions.size());
    CHECK(steps[0].status == StepStatus::Failed);
    CHECK(steps[0].text == "timed out");
    CHECK(steps[1].status == StepStatus::Skipped);
    CHECK(steps[1].action.kind == ActionKind::AllowWrites);
    CHECK(steps[2].status == StepStatus::Skipped);
    CHECK(steps[3].status == StepStatus::Skipped);
    CHECK(steps[4].status == StepStatus::Done);
}

TEST_CASE("a failed deny-write does not keep the writer IP", "[agent][run_plan]") {
    const auto ctx = make_ctx("db1", HostMode::Master);
    Observed o;
    o.read_only = false;
    o.ips = {"192.0.2.50"};
    std::vector<std::string> called;
    const auto steps = run_plan(reconcile(desired("HARD_OFFLINE", {}, ""), o, ctx), [&](const Action& a) -> Result<std::string> {
        called.push_back(std::string(to_string(a.kind)));
        if (a.kind == ActionKind::DenyWrites) return fail("Can't connect to server");
        return std::string("done");
    });
    CHECK(called == V{"DenyWrites", "RemoveIp"});
    CHECK(steps.back().status == StepStatus::Done);
}

TEST_CASE("Galera node: roles move without catch-up or read_only, and out of the Primary component it drops them all",
          "[agent][reconcile][galera]") {
    const auto ctx = make_ctx("db1", HostMode::Galera);
    auto d = desired("ONLINE", {{"writer", "192.0.2.50"}, {"reader", "192.0.2.51"}}, "db1");
    Observed o;
    o.read_only = false;
    o.wsrep_primary = true;
    CHECK(kinds(reconcile(d, o, ctx)) ==
          V{"AddIp 192.0.2.50", "Announce 192.0.2.50", "AddIp 192.0.2.51", "Announce 192.0.2.51"});
    // Losing the writer: only its address goes (no deny-writes: certification keeps the nodes consistent).
    o.ips = {"192.0.2.50", "192.0.2.51"};
    d = desired("ONLINE", {{"reader", "192.0.2.51"}}, "db2");
    CHECK(kinds(reconcile(d, o, ctx)) == V{"RemoveIp 192.0.2.50"});
    // Partitioned into a minority: every role address goes, whatever the monitor last said.
    d = desired("ONLINE", {{"writer", "192.0.2.50"}, {"reader", "192.0.2.51"}}, "db1");
    o.wsrep_primary = false;
    const auto actions = reconcile(d, o, ctx);
    CHECK(kinds(actions) == V{"RemoveIp 192.0.2.50", "RemoveIp 192.0.2.51"});
    CHECK(actions[0].reason == "this Galera node is not in the Primary component");
    // A server that does not answer gets no address; what it holds stays until its state is known.
    o.wsrep_primary.reset();
    o.read_only.reset();
    o.ips.clear();
    CHECK(reconcile(d, o, ctx).empty());
    // Idempotent when everything is in place.
    o.read_only = false;
    o.wsrep_primary = true;
    o.ips = {"192.0.2.50", "192.0.2.51"};
    CHECK(reconcile(d, o, ctx).empty());
}

TEST_CASE("The agent re-checks a Galera node at least every second, other hosts at agent.recheck_interval",
          "[agent][reconcile][galera]") {
    using std::chrono::seconds;
    CHECK(recheck_period(seconds(5), HostMode::Galera) == seconds(1));
    CHECK(recheck_period(std::chrono::milliseconds(300), HostMode::Galera) == std::chrono::milliseconds(300));
    CHECK(recheck_period(seconds(5), HostMode::Master) == seconds(5));
    CHECK(recheck_period(seconds(5), HostMode::Slave) == seconds(5));
    // 0 turns the re-check off, on Galera nodes too.
    CHECK(recheck_period(seconds(0), HostMode::Galera) == seconds(0));
}

TEST_CASE("Galera node with agent.galera_read_only: writable only with the writer role", "[agent][reconcile][galera]") {
    auto ctx = make_ctx("db1", HostMode::Galera);
    ctx.galera_read_only = true;
    Observed o;
    o.wsrep_primary = true;
    o.read_only = true;
    // Gaining the writer: writable first, then its address (one chain: no address on a read-only node).
    auto d = desired("ONLINE", {{"writer", "192.0.2.50"}}, "db1");
    auto actions = reconcile(d, o, ctx);
    CHECK(kinds(actions) == V{"AllowWrites", "AddIp 192.0.2.50", "Announce 192.0.2.50"});
    CHECK(actions[0].chain == actions[1].chain);
    // Losing it: writes denied (connections killed) before the address goes.
    o.read_only = false;
    o.ips = {"192.0.2.50"};
    d = desired("ONLINE", {{"reader", "192.0.2.51"}}, "db2");
    actions = reconcile(d, o, ctx);
    CHECK(kinds(actions) == V{"DenyWrites", "RemoveIp 192.0.2.50", "AddIp 192.0.2.51", "Announce 192.0.2.51"});
    CHECK(actions[0].reason == "Galera node without the writer role (agent.galera_read_only)");
    // Out of the Primary component with the writer role: denied too, every address gone, nothing allowed.
    d = desired("ONLINE", {{"writer", "192.0.2.50"}}, "db1");
    o.wsrep_primary = false;
    actions = reconcile(d, o, ctx);
    CHECK(kinds(actions) == V{"DenyWrites", "RemoveIp 192.0.2.50"});
    CHECK(actions[0].reason == "this Galera node is not in the Primary component");
    // Steady states: nothing.
    o.wsrep_primary = true;
    CHECK(reconcile(d, o, ctx).empty());
    o.read_only = true;
    o.ips = {"192.0.2.51"};
    CHECK(reconcile(desired("ONLINE", {{"reader", "192.0.2.51"}}, "db2"), o, ctx).empty());
    // Without the option read_only is never touched.
    ctx.galera_read_only = false;
    o.ips.clear();
    CHECK(kinds(reconcile(d, o, ctx)) == V{"AddIp 192.0.2.50", "Announce 192.0.2.50"});
}
