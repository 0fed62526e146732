// One blocking Connector/C connection with connect/read/write timeouts, and the server's flavour for syntax.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

struct st_mysql;

namespace mmm::agent {

struct DbEndpoint {
    std::string host_name;  // for messages
    std::string ip;
    std::uint16_t port = 3306;
    std::string user;
    std::string password;
};

// What the server is, read once per connection: decides which statements to send.
struct ServerFlavor {
    bool mariadb = true;
    int major = 0, minor = 0, patch = 0;

    bool mysql_at_least(int ma, int mi, int pa) const;
    bool replica_keywords() const { return !mariadb && mysql_at_least(8, 0, 22); }  // SHOW REPLICA STATUS, START REPLICA
    bool source_keywords() const { return !mariadb && mysql_at_least(8, 0, 23); }   // CHANGE REPLICATION SOURCE TO
    bool binary_log_status() const { return !mariadb && mysql_at_least(8, 2, 0); }  // SHOW BINARY LOG STATUS
    bool source_pos_wait() const { return !mariadb && mysql_at_least(8, 0, 26); }   // SOURCE_POS_WAIT()

    std::string show_replica_status() const;
    std::string show_binlog_status() const;
    std::string start_replica() const;
    std::string stop_replica() const;
};
ServerFlavor parse_server_flavor(const std::string& version);  // "10.11.6-MariaDB-0+deb12u1", "8.0.36"

// A row by column name; NULL is nullopt.
using Row = std::map<std::string, std::optional<std::string>>;
std::string field(const Row& row, std::initializer_list<const char*> names);  // first present non-null, else ''

class DbSession {
public:
    // Connects with connect timeout `connect_timeout` and read/write timeouts `io_timeout` (whole seconds,
    // rounded up, at least 1).
    static Result<DbSession> connect(const DbEndpoint& ep, std::chrono::milliseconds connect_timeout,
                                     std::chrono::milliseconds io_timeout);

    Result<void> exec(const std::string& sql);
    Result<std::vector<Row>> query(const std::string& sql);
    Result<std::optional<std::string>> scalar(const std::string& sql);  // first column of the first row
    // Several statements separated by ';' in one round trip (multi-statement mode is turned on for this session);
    // results are discarded. Stops at the first failing statement: its error, with how many ran before it. Returns
    // how many results the server announced: MariaDB 10.11 announces none after a BINLOG statement that applies row
    // events (it drops the "more results" flag), so such a statement must end its batch.
    Result<std::size_t> exec_batch(const std::string& sql);

    const ServerFlavor& flavor() const { return flavor_; }
    std::uint64_t thread_id() const;
    std::string quote(const std::string& text);  // 'escaped'

private:
    struct Close {
        void operator()(st_mysql* m) const;
    };
    DbSession() = default;
    std::string error_text() const;                      // "message (errno)" of the last call
    Error server_error(std::string_view what) const;     // "what: message (errno)" with the errno as data
    std::unique_ptr<st_mysql, Close> mysql_;
    ServerFlavor flavor_;
    bool multi_statements_ = false;
};

}  // namespace mmm::agent
