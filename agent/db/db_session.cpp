// A Connector/C connection with timeouts.
#include "agent/db/db_session.hpp"

#include <mysql.h>

#include <cstdio>

#include <fmt/format.h>

namespace mmm::agent {

bool ServerFlavor::mysql_at_least(int ma, int mi, int pa) const {
    if (major != ma) return major > ma;
    if (minor != mi) return minor > mi;
    return patch >= pa;
}

std::string ServerFlavor::show_replica_status() const {
    return replica_keywords() ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS";
}
std::string ServerFlavor::show_binlog_status() const {
    return binary_log_status() ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS";
}
std::string ServerFlavor::start_replica() const { return replica_keywords() ? "START REPLICA" : "START SLAVE"; }
std::string ServerFlavor::stop_replica() const { return replica_keywords() ? "STOP REPLICA" : "STOP SLAVE"; }

ServerFlavor parse_server_flavor(const std::string& version) {
    ServerFlavor f;
    f.mariadb = version.find("MariaDB") != std::string::npos;
    // Old MariaDB builds prefix "5.5.5-" for compatibility with ancient clients.
    std::string v = version;
    if (f.mariadb && v.rfind("5.5.5-", 0) == 0) v = v.substr(6);
    if (std::sscanf(v.c_str(), "%d.%d.%d", &f.major, &f.minor, &f.patch) < 2) f.major = f.minor = f.patch = 0;
    return f;
}

std::string field(const Row& row, std::initializer_list<const char*> names) {
    for (const char* n : names) {
        const auto it = row.find(n);
        if (it != row.end() && it->second) return *it->second;
    }
    return {};
}

void DbSession::Close::operator()(st_mysql* m) const { mysql_close(m); }

std::string DbSession::error_text() const { return fmt::format("{} ({})", mysql_error(mysql_.get()), mysql_errno(mysql_.get())); }

Error DbSession::server_error(std::string_view what) const {
    return Error{fmt::format("{}: {}", what, error_text()), mysql_errno(mysql_.get())};
}

Result<DbSession> DbSession::connect(const DbEndpoint& ep, std::chrono::milliseconds connect_timeout,
                                     std::chrono::milliseconds io_timeout) {
    DbSession s;
    s.mysql_.reset(mysql_init(nullptr));
    if (!s.mysql_) return fail("mysql_init: out of memory");
    const auto secs = [](std::chrono::milliseconds d) {
        const auto v = (d.count() + 999) / 1000;
        return static_cast<unsigned int>(v < 1 ? 1 : v);
    };
    const unsigned int ct = secs(connect_timeout);
    const unsigned int it = secs(io_timeout);
    mysql_optionsv(s.mysql_.get(), MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_optionsv(s.mysql_.get(), MYSQL_OPT_READ_TIMEOUT, &it);
    mysql_optionsv(s.mysql_.get(), MYSQL_OPT_WRITE_TIMEOUT, &it);
    if (mysql_real_connect(s.mysql_.get(), ep.ip.c_str(), ep.user.c_str(), ep.password.c_str(), nullptr, ep.port,
                           nullptr, 0) == nullptr)
        return Error{fmt::format("Connect error (host = {}:{}, user = {})! {}", ep.ip, ep.port, ep.user, s.error_text()),
                     mysql_errno(s.mysql_.get())};
    s.flavor_ = parse_server_flavor(mysql_get_server_info(s.mysql_.get()));
    return s;
}

std::uint64_t DbSession::thread_id() const { return mysql_thread_id(mysql_.get()); }

std::string DbSession::quote(const std::string& text) {
    std::string out(text.size() * 2 + 1, '\0');
    const auto n = mysql_real_escape_string(mysql_.get(), out.data(), text.c_str(), text.size());
    out.resize(n);
    return "'" + out + "'";
}

Result<void> DbSession::exec(const std::string& sql) {
    if (mysql_real_query(mysql_.get(), sql.c_str(), sql.size()) != 0)
        return server_error("SQL Query Error");
    // Drain any result so the connection stays usable.
    if (MYSQL_RES* res = mysql_store_result(mysql_.get())) mysql_free_result(res);
    return {};
}

Result<std::size_t> DbSession::exec_batch(const std::string& sql) {
    if (!multi_statements_) {
        if (mysql_set_server_option(mysql_.get(), MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0)
            return server_error("cannot turn on multi-statement mode");
        multi_statements_ = true;
    }
    std::size_t done = 0;
    int status = mysql_real_query(mysql_.get(), sql.c_str(), sql.size());
    while (status == 0) {
        if (MYSQL_RES* res = mysql_store_result(mysql_.get())) mysql_free_result(res);
        ++done;
        status = mysql_next_result(mysql_.get());  // 0: another result, -1: no more, > 0: an error
    }
    if (status > 0) return server_error(fmt::format("SQL Query Error after {} statements of the batch", done));
    return done;
}

Result<std::vector<Row>> DbSession::query(const std::string& sql) {
    if (mysql_real_query(mysql_.get(), sql.c_str(), sql.size()) != 0)
        return server_error("SQL Query Error");
    MYSQL_RES* res = mysql_store_result(mysql_.get());
    if (res == nullptr) {
        if (mysql_field_count(mysql_.get()) != 0) return server_error("SQL Query Error");
        return std::vector<Row>{};
    }
    std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> guard(res, mysql_free_result);
    const unsigned int n = mysql_num_fields(res);
    const MYSQL_FIELD* fields = mysql_fetch_fields(res);
    std::vector<Row> rows;
    while (MYSQL_ROW r = mysql_fetch_row(res)) {
        const unsigned long* lengths = mysql_fetch_lengths(res);
        Row row;
        for (unsigned int i = 0; i < n; ++i) {
            if (r[i] == nullptr)
                row[fields[i].name] = std::nullopt;
            else
                row[fields[i].name] = std::string(r[i], lengths[i]);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

Result<std::optional<std::string>> DbSession::scalar(const std::string& sql) {
    if (mysql_real_query(mysql_.get(), sql.c_str(), sql.size()) != 0)
        return server_error("SQL Query Error");
    MYSQL_RES* res = mysql_store_result(mysql_.get());
    if (res == nullptr) return server_error("SQL Query Error");
    std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> guard(res, mysql_free_result);
    MYSQL_ROW r = mysql_fetch_row(res);
    if (r == nullptr || mysql_num_fields(res) == 0) return std::optional<std::string>{};
    if (r[0] == nullptr) return std::optional<std::string>{};
    return std::optional<std::string>(std::string(r[0], mysql_fetch_lengths(res)[0]));
}

}  // namespace mmm::agent
