// One Connector/C connection driven by Asio through the non-blocking API (*_start/*_cont): no thread, no pool.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "monitor/checks/prober.hpp"

struct st_mysql;

namespace mmm::monitor {

// What a connector call ended with. `timed_out` = our deadline passed first (the call was abandoned).
struct SqlStatus {
    bool ok = false;
    bool timed_out = false;
    unsigned int code = 0;  // mysql_errno
    std::string message;    // mysql_error
};

struct SqlResult {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;
    // Value of `column` in row `row`: nullopt when NULL, when there is no such column or no such row.
    std::optional<std::string> value(std::size_t row, std::string_view column) const;
    bool has_column(std::string_view column) const;
};

struct ServerVersion {
    bool mariadb = false;
    int major = 0, minor = 0, patch = 0;
    auto as_number() const { return major * 10000 + minor * 100 + patch; }
};

// Reads "10.11.6-MariaDB-0+deb12u1", "5.5.5-10.3.39-MariaDB", "8.0.36" (MariaDB's "5.5.5-" prefix skipped).
ServerVersion parse_server_version(std::string_view info);

// Each call must finish by its deadline; after a timeout the connection is unusable and only destroyed.
class MysqlSession {
public:
    explicit MysqlSession(asio::any_io_executor executor);
    ~MysqlSession();
    MysqlSession(const MysqlSession&) = delete;
    MysqlSession& operator=(const MysqlSession&) = delete;

    // Connects with the connector's own timeouts set to `connector_timeout_s` as well.
    asio::awaitable<SqlStatus> connect(const std::string& ip, std::uint16_t port, const std::string& user,
                                       const std::string& password, SteadyTime deadline,
                                       unsigned int connector_timeout_s);
    // Runs `sql` and stores its whole result.
    asio::awaitable<SqlStatus> query(std::string_view sql, SqlResult& out, SteadyTime deadline);

    ServerVersion server_version() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mmm::monitor
