// The new writer's catch-up (MysqlAdmin::catch_up): the old master's final position when it answers; when it does
// not, everything any surviving host received from it, taken from the most advanced one (issue 11).
#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "agent/core/donor.hpp"
#include "agent/db/mysql_admin.hpp"
#include "agent/db/replication_sql.hpp"
#include "common/gtid.hpp"

namespace mmm::agent {

namespace {

// What the old master said when the new writer asked it: read-only (with its final binlog position, when it
// could be read), or nothing at all (down, hung or cut off).
struct PeerFinal {
    bool answered = false;
    std::optional<sql::BinlogPos> position;
};

// Waits until the peer takes no more writes: it answers read_only=1 (its agent denies writes, letting running
// writes finish) or stops answering. Taking writes beside a writable peer would make two writers, so a peer that
// still answers read_only=0 at `until` is a failure. Its deny-write may kill our connection: reconnect; only a
// peer that no longer answers counts as gone.
Result<PeerFinal> wait_peer_read_only(const ClusterHost& peer, sql::Clock::time_point until, Duration deadline) {
    auto other = sql::connect_other(peer);
    while (other) {
        if (sql::Clock::now() >= until)
            return fail(fmt::format("'{}' still takes writes (read_only=0) after {} s: not taking writes beside it",
                                    peer.name, format_duration(deadline)));
        auto ro = other->scalar("SELECT @@global.read_only");
        if (ro && ro->value_or("0") != "0") {
            PeerFinal out{true, sql::binlog_position(*other)};
            if (!out.position && (other = sql::connect_other(peer))) out.position = sql::binlog_position(*other);
            return out;
        }
        if (!ro) other = sql::connect_other(peer);  // killed in passing, or gone (then the loop ends)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return PeerFinal{};
}

// MASTER_GTID_WAIT: gtid_slave_pos reaches `pos` in every domain of it within `timeout` (it needs no running SQL
// thread when the position is already reached).
Result<void> wait_for_gtid(DbSession& db, const GtidList& pos, Duration timeout) {
    const double secs = std::max(0.001, static_cast<double>(timeout.count()) / 1000.0);
    auto r = db.scalar(fmt::format("SELECT MASTER_GTID_WAIT({}, {:.3f})", db.quote(pos.to_string()), secs));
    if (!r) return r.error();
    if (!*r) return fail(fmt::format("could not wait for GTID position {}", pos.to_string()));
    if (**r != "0")
        return fail(fmt::format("timed out after {} s waiting to apply up to GTID {}", format_duration(timeout),
                                pos.to_string()));
    return {};
}


// What another host received from the old master (`peer_ip`): its applied position (@@gtid_slave_pos), and what its
// IO thread received when it still replicates from the old master. Nothing when it does not answer quickly, does not
// use GTID, or cannot pass on what it has (no binlog, or log_slave_updates off).
struct Donor {
    const ClusterHost* host = nullptr;
    GtidList received;
};
std::optional<Donor> received_by(const ClusterHost& host, const std::string& peer_ip, std::string& notes) {
    auto db = sql::connect_other(host);
    if (!db) {
        notes += fmt::format("; '{}' not asked ({})", host.name, db.error().message);
        return std::nullopt;
    }
    auto status = sql::read_replica_status(*db);
    auto applied = sql::gtid_variable(*db, "gtid_slave_pos");
    auto passes_on = db->scalar("SELECT @@global.log_bin AND @@global.log_slave_updates");
    if (!status || !applied || !passes_on) {
        notes += fmt::format("; '{}' not asked (could not read its replication state)", host.name);
        return std::nullopt;
    }
    Donor d{&host, *applied};
    if (*status && (*status)->master_host == peer_ip && (*status)->uses_gtid())
        if (auto io = GtidList::parse((*status)->gtid_io_pos)) d.received = GtidList::max_per_domain(d.received, *io);
    if (passes_on->value_or("0") != "1") {
        if (!d.received.empty()) notes += fmt::format("; '{}' has {} but no binlog to pass it on", host.name,
                                                      d.received.to_string());
        return std::nullopt;
    }
    return d;
}

// Turns the semi-sync master side off for its lifetime when it is on (MariaDB), and on again at its end.
class SemiSyncMasterPause {
public:
    explicit SemiSyncMasterPause(DbSession& db) : db_(db) {
        auto on = db_.scalar("SELECT @@global.rpl_semi_sync_master_enabled");
        paused_ = on && on->value_or("0") == "1" && db_.exec("SET GLOBAL rpl_semi_sync_master_enabled = 0");
    }
    ~SemiSyncMasterPause() {
        if (paused_) (void)db_.exec("SET GLOBAL rpl_semi_sync_master_enabled = 1");
    }
    SemiSyncMasterPause(const SemiSyncMasterPause&) = delete;
    SemiSyncMasterPause& operator=(const SemiSyncMasterPause&) = delete;

private:
    DbSession& db_;
    bool paused_ = false;
};

// Replicates from `donor` until gtid_slave_pos reaches `target`, then points replication back at `peer` (stopped).
Result<void> catch_up_from(DbSession& db, const ClusterHost& donor, const ClusterHost& peer, const GtidList& target,
                           sql::Clock::time_point until) {
    const auto& f = db.flavor();
    if (auto r = db.exec(f.stop_replica()); !r) return r.error();
    if (auto r = db.exec(sql::change_master_sql(db, donor, true, nullptr)); !r) return r.error();
    Result<void> waited = db.exec(f.start_replica());
    if (waited) waited = wait_for_gtid(db, target, sql::remaining(until));
    (void)db.exec(f.stop_replica());
    if (auto r = db.exec(sql::change_master_sql(db, peer, true, nullptr)); !r)
        return fail(fmt::format("could not point replication back at '{}': {}", peer.name, r.error().message));
    if (!waited) return fail(fmt::format("catching up from '{}': {}", donor.name, waited.error().message));
    return {};
}

// The old master does not answer. It may have sent some replicas more than this one: their received positions are
// compared and this server first takes what the most advanced one has, so it holds every transaction that any
// surviving host received. Then replication from the old master is stopped: when its server comes back, its tail
// must not flow into the new writer. GTID on MariaDB only; otherwise the relay log is applied, as before.
Result<std::string> catch_up_without_peer(DbSession& db, const ReplicaStatus& status, const ClusterHost& peer,
                                          const std::vector<ClusterHost>& others, sql::Clock::time_point until) {
    const auto& f = db.flavor();
    if (!f.mariadb || !status.uses_gtid()) {
        const sql::BinlogPos relay{status.master_log_file, status.read_pos};
        auto w = sql::wait_for_relay_log(db, relay, sql::remaining(until));
        if (!w) return w.error();
        (void)db.exec(f.stop_replica());
        return fmt::format("OK: caught up to relay log {}:{}{}; '{}' does not answer: replication from it stopped",
                           relay.file, relay.pos, *w, peer.name);
    }
    if (auto r = db.exec("STOP SLAVE IO_THREAD"); !r) return r.error();
    // The semi-sync master side makes every transaction this server's SQL thread applies wait for a replica's
    // acknowledgement (log_slave_updates binlogs it), up to rpl_semi_sync_master_timeout each time the dead peer
    // does not answer: off while catching up, on again (as it was) before this server takes writes.
    const SemiSyncMasterPause semisync(db);
    auto now = sql::read_replica_status(db);
    if (!now) return now.error();
    if (!*now) return fail("replication was removed during the catch-up");
    auto own_io = GtidList::parse((*now)->gtid_io_pos);
    auto own_applied = sql::gtid_variable(db, "gtid_slave_pos");
    if (!own_io || !own_applied) return fail("could not read this server's GTID positions");
    const GtidList own = GtidList::max_per_domain(*own_io, *own_applied);

    std::string notes;
    std::vector<Donor> asked;
    for (const auto& h : others)
        if (auto d = received_by(h, peer.agent.ip, notes)) asked.push_back(std::move(*d));
    std::vector<GtidList> received;
    for (const auto& d : asked) received.push_back(d.received);
    if (const auto pick = pick_donor(own, received)) {
        const Donor* best = &asked[*pick];
        const GtidList target = GtidList::max_per_domain(best->received, own);
        if (auto r = catch_up_from(db, *best->host, peer, target, until); !r) return r.error();
        (void)db.exec(f.stop_replica());
        return fmt::format("OK: caught up to GTID {} from '{}' (this server had received {}){}; '{}' does not answer: "
                           "replication from it stopped",
                           target.to_string(), best->host->name, own.to_string(), notes, peer.name);
    }
    if (auto w = wait_for_gtid(db, own, sql::remaining(until)); !w) return w.error();
    (void)db.exec(f.stop_replica());
    return fmt::format("OK: caught up to GTID {} (no surviving host received more){}; '{}' does not answer: "
                       "replication from it stopped",
                       own.to_string(), notes, peer.name);
}

}  // namespace

Result<std::string> MysqlAdmin::catch_up(const std::optional<ClusterHost>& peer, const std::vector<ClusterHost>& others,
                                         Duration deadline) {
    const auto until = sql::Clock::now() + deadline;
    auto db = open(deadline + io_timeout_);
    if (!db) return db.error();
    // An old writer's agent may be replaying its binary log into this server (salvage.cpp): wait for it to end; it
    // does nothing once this lock is taken. Held until this session closes.
    const auto lock_wait = std::max<long long>(1, (deadline.count() + 999) / 1000);
    auto locked = take_promotion_lock(*db, lock_wait);
    if (!locked) return locked.error();
    if (!*locked)
        return fail(fmt::format("waited {} s for the old writer's binlog salvage into this server", lock_wait));
    auto status = sql::read_replica_status(*db);
    if (!status) return status.error();
    // The peer first, with or without replication here: a server that replicates from nobody must not become
    // writable beside a writable old master either (issue 10 item 6).
    PeerFinal final_state;
    if (peer) {
        auto f = wait_peer_read_only(*peer, until, deadline);
        if (!f) return f.error();
        final_state = std::move(*f);
    }
    if (!*status) {
        if (!peer) return std::string("OK: no replication source and no peer, nothing to catch up");
        return fmt::format("OK: no replication source, nothing to catch up; '{}' {}", peer->name,
                           final_state.answered ? "is read-only" : "does not answer");
    }
    if (peer && !final_state.answered && (*status)->master_host == peer->agent.ip)
        return catch_up_without_peer(*db, **status, *peer, others, until);
    std::optional<sql::BinlogPos> target = final_state.position;
    std::string from = fmt::format("'{}' final binlog position", peer ? peer->name : std::string());
    if (!target) {
        target = sql::BinlogPos{(*status)->master_log_file, (*status)->read_pos};
        from = "relay log";
    }
    std::string note;
    if (final_state.position) {
        if (auto w = sql::wait_for_position(*db, *target, sql::remaining(until)); !w) return w.error();
    } else {
        auto w = sql::wait_for_relay_log(*db, *target, sql::remaining(until));
        if (!w) return w.error();
        note = *w;
    }
    return fmt::format("OK: caught up to {} {}:{}{}", from, target->file, target->pos, note);
}

}  // namespace mmm::agent
