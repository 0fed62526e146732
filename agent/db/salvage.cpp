// Binlog salvage (MysqlAdmin::salvage, issue 11): when the old writer's server died but its host and agent live, the
// transactions of its binary log that no replica received are replayed into the new writer before it takes writes.
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "agent/core/salvage.hpp"
#include "agent/db/mysql_admin.hpp"
#include "agent/db/replication_sql.hpp"
#include "common/child_process.hpp"

namespace mmm::agent {

namespace {

std::string in_datadir(const std::string& path, const std::string& datadir) {
    if (path.empty() || path.front() == '/') return path;
    std::string dir = datadir;
    if (!dir.empty() && dir.back() != '/') dir += '/';
    return dir + (path.starts_with("./") ? path.substr(2) : path);
}

long read_pid(const std::string& path) {
    std::ifstream in(path);
    long pid = 0;
    if (!(in >> pid) || pid <= 0) return 0;
    return pid;
}

// A process that has exited but was not reaped yet (a zombie: its parent did not wait yet) is not running: it writes
// nothing any more.
bool process_exists(long pid) {
    if (pid <= 0) return false;
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string text;
    if (stat && std::getline(stat, text)) {
        const auto close = text.rfind(')');  // the command name may hold spaces and parentheses
        if (close == std::string::npos || close + 2 >= text.size()) return true;
        const char state = text[close + 2];
        return state != 'Z' && state != 'X';
    }
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

Result<std::vector<std::string>> binlog_files(const MysqlAdmin::ServerFiles& files) {
    const std::string index = in_datadir(files.log_bin_index, files.datadir);
    std::ifstream in(index);
    if (!in) return fail(fmt::format("cannot read the binary log index '{}'", index));
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(in_datadir(line, files.datadir));
    if (out.empty()) return fail(fmt::format("the binary log index '{}' lists no file", index));
    return out;
}

Result<GtidList> start_state_of(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(fmt::format("cannot read '{}'", file));
    std::string head(binlog_head_bytes, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    auto s = binlog_start_state(head);
    if (!s) return fail(fmt::format("'{}': {}", file, s.error().message));
    return s;
}

// The last lines of a tool's output, for a log line.
std::string tail_of(const std::string& output) {
    std::string text = output;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    const auto cut = text.size() > 300 ? text.size() - 300 : 0;
    text = text.substr(cut);
    for (auto& c : text)
        if (c == '\n') c = ' ';
    return text.empty() ? "no output" : text;
}

struct Replayed {
    std::size_t statements = 0;
    std::size_t round_trips = 0;
    std::string tool_error;  // mariadb-binlog failed ("" when it did not): its exit code and last output
    bool cut_short = false;  // its output ended inside a statement (not sent)

    std::string note() const {
        std::string out = fmt::format("; {} statements in {} round trips", statements, round_trips);
        if (!tool_error.empty()) out += "; " + tool_error;
        if (cut_short) out += "; its output ended inside a statement (not sent)";
        return out;
    }
};

// Replays `files` after `from` into `target`: mariadb-binlog's output, cut into statements, sent in batches of many
// statements per round trip on a session of its own as the target's agent user (the mariadb client sends one
// statement per round trip: about four per transaction).
Result<Replayed> replay(const std::vector<std::string>& files, const GtidList& from, const ClusterHost& target,
                           Duration timeout) {
    const char* env_path = std::getenv("PATH");
    const std::string path = std::string(env_path != nullptr ? env_path : "") + ":/usr/local/bin:/usr/bin:/bin";
    const std::string binlog_tool = find_program({"mariadb-binlog", "mysqlbinlog"}, path);
    if (binlog_tool.empty()) return fail("mariadb-binlog is needed (package mariadb-client)");
    auto session = DbSession::connect(target.agent, std::chrono::seconds(1), timeout + std::chrono::seconds(1));
    if (!session) return fail(fmt::format("cannot connect to '{}': {}", target.name, session.error().message));
    PipelineCommand reader{{binlog_tool}, {"PATH=/usr/bin:/bin", "LC_ALL=C"}};
    if (!from.empty()) reader.argv.push_back("--start-position=" + from.to_string());
    reader.argv.insert(reader.argv.end(), files.begin(), files.end());

    constexpr std::size_t batch_bytes = 1024 * 1024;
    BinlogScriptSplitter splitter;
    std::string batch;
    std::optional<Error> failed;
    Replayed out;
    std::size_t in_batch = 0;
    const auto flush = [&] {
        if (batch.empty() || failed) return;
        ++out.round_trips;
        auto r = session->exec_batch(batch);
        if (!r) failed = r.error();
        else if (*r != in_batch)  // never go on unsure of what ran
            failed = Error{fmt::format("the server answered {} of the {} statements of a batch", *r, in_batch)};
        batch.clear();
        in_batch = 0;
    };
    const auto run = run_pipeline({reader}, timeout, [&](std::string_view chunk) {
        for (auto& statement : splitter.feed(chunk)) {
            // Each statement on lines of its own: one ending in a comment must not swallow the separator.
            if (!batch.empty()) batch += "\n;\n";
            const bool binlog = statement.starts_with("BINLOG") || statement.starts_with("binlog");
            batch += statement;
            ++out.statements;
            ++in_batch;
            // The server stops announcing results after a BINLOG statement (see DbSession::exec_batch): it ends the
            // batch. That is about one round trip per transaction instead of the client's four.
            if (binlog || batch.size() >= batch_bytes) flush();
        }
        return !failed;
    });
    flush();
    if (!run.started) return fail("could not start mariadb-binlog");
    if (failed) return fail(fmt::format("replaying into '{}': {}", target.name, failed->message));
    if (run.timed_out) return fail(fmt::format("replay did not finish within {} s", format_duration(timeout)));
    // Exit code 1 with "never reached expected GTID state": the binary log ends at `from`, nothing after it. Another
    // failure, e.g. a last event cut short by the crash (never committed, so never acknowledged), is reported.
    if (run.exit_codes[0] != 0 && run.output.find("never reached expected GTID state") == std::string::npos)
        out.tool_error = fmt::format("mariadb-binlog exited with {} ({})", run.exit_codes[0], tail_of(run.output));
    out.cut_short = !splitter.finish();
    return out;
}


}  // namespace

void MysqlAdmin::remember_files(const Row& row) {
    ServerFiles f;
    f.log_bin = field(row, {"lb"}) == "1";
    f.log_bin_index = field(row, {"li"});
    f.datadir = field(row, {"dd"});
    f.pid_file = in_datadir(field(row, {"pf"}), f.datadir);
    f.pid = f.pid_file.empty() ? 0 : read_pid(f.pid_file);
    const std::lock_guard lock(files_mutex_);
    files_ = std::move(f);
}

std::optional<MysqlAdmin::ServerFiles> MysqlAdmin::server_files() const {
    const std::lock_guard lock(files_mutex_);
    return files_;
}

bool MysqlAdmin::server_gone() {
    const auto f = server_files();
    if (!f || f->pid <= 0 || process_exists(f->pid)) return false;
    return !process_exists(read_pid(f->pid_file));  // a new server may have started since
}

Result<std::string> MysqlAdmin::salvage(const ClusterHost& target, Duration deadline) {
    const auto until = sql::Clock::now() + deadline;
    const auto files = server_files();
    if (!files || !files->log_bin)
        return fail("this server's binary log is unknown (the agent never saw the server running with log_bin)");
    if (!server_gone()) return fail("this server's process still runs or is unknown: its binary log is not final");
    auto list = binlog_files(*files);
    if (!list) return list.error();

    auto db = DbSession::connect(target.agent, std::chrono::seconds(1), deadline + io_timeout_);
    if (!db) return fail(fmt::format("cannot connect to '{}': {}", target.name, db.error().message));
    if (!db->flavor().mariadb) return fail("binlog salvage needs MariaDB GTIDs");
    // Held for a moment by a START SLAVE of the target's agent; for the whole catch-up by its promotion.
    auto locked = take_promotion_lock(*db, 1);
    if (!locked) return locked.error();
    if (!*locked)
        return fail(fmt::format("'{}' is already catching up to take the writer role: too late to salvage", target.name));
    auto ro = db->scalar("SELECT @@global.read_only");
    if (!ro) return ro.error();
    if (ro->value_or("1") == "0") return fail(fmt::format("'{}' already takes writes: too late to salvage", target.name));
    auto status = sql::read_replica_status(*db);
    if (!status) return status.error();
    if (!*status || (*status)->master_host != local_.ip || !(*status)->uses_gtid())
        return fail(fmt::format("'{}' does not replicate from this host by GTID", target.name));
    // What the target received, its own SQL thread applies (faster than a replay, which needs a round trip per
    // transaction); the replay brings only what it never received.
    if (auto r = db->exec("STOP SLAVE IO_THREAD"); !r) return r.error();
    // Replication is started again however this ends (its IO thread then tries the dead server: 'Connecting'), so the
    // target's replication checks see what they saw before: a stale candidate stays stale for the monitor (it is
    // promoted only by `move_role --force`), never turned into one that looks healthy by a stopped IO thread. The new
    // writer's catch-up stops it again. Runs before the session (and the lock) goes.
    struct Restart {
        DbSession& db;
        ~Restart() { (void)db.exec("START SLAVE"); }
    } restart{*db};
    const auto& received_status = **status;
    auto relay = sql::wait_for_relay_log(*db, sql::BinlogPos{received_status.master_log_file, received_status.read_pos},
                                         sql::remaining(until));
    if (!relay) return fail(fmt::format("'{}' did not apply its relay log: {}", target.name, relay.error().message));
    if (auto r = db->exec("STOP SLAVE"); !r) return r.error();
    auto applied = sql::gtid_variable(*db, "gtid_slave_pos");
    auto logged = sql::gtid_variable(*db, "gtid_binlog_pos");
    if (!applied || !logged) return fail(fmt::format("could not read the GTID positions of '{}'", target.name));
    const GtidList from = GtidList::max_per_domain(*applied, *logged);

    std::vector<GtidList> starts;
    for (const auto& file : *list) {
        auto s = start_state_of(file);
        if (!s) return s.error();
        starts.push_back(std::move(*s));
    }
    auto first = first_binlog_needed(starts, from);
    if (!first) return first.error();
    const std::vector<std::string> needed(list->begin() + static_cast<std::ptrdiff_t>(*first), list->end());
    auto replayed = replay(needed, from, target, sql::remaining(until));

    // Whatever got in (all, or a prefix when the replay failed) is marked as received from this host, so replication
    // from it, or from a replica the catch-up picks, never fetches it a second time.
    auto after = sql::gtid_variable(*db, "gtid_binlog_pos");
    if (!after) return fail(fmt::format("could not read the GTID position of '{}' after the replay", target.name));
    const GtidList received = GtidList::max_per_domain(*applied, *after);
    if (auto r = db->exec(fmt::format("SET GLOBAL gtid_slave_pos = {}", db->quote(received.to_string()))); !r)
        return fail(fmt::format("could not move gtid_slave_pos of '{}' to {}: {}", target.name, received.to_string(),
                                r.error().message));
    const auto count = salvaged(from, *after);
    if (!replayed)
        return fail(fmt::format("replay into '{}' failed after {} transactions: {}", target.name, count.transactions,
                                replayed.error().message));
    if (count.transactions == 0 && !replayed->tool_error.empty())  // the tool failed and nothing came: unknown
        return fail(fmt::format("nothing replayed into '{}'{}", target.name, replayed->note()));
    if (count.transactions == 0)
        return fmt::format("nothing to salvage: '{}' had every transaction of this server's binary log ({})",
                           target.name, from.empty() ? std::string("none") : from.to_string());
    return fmt::format("gave '{}' {} transactions it lacked from this server's binary log ({}; {} of {} files read){}",
                       target.name, count.transactions, count.range, needed.size(), list->size(), replayed->note());
}

}  // namespace mmm::agent
