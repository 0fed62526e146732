// Connector/C's non-blocking API driven by Asio: wait on the connection's socket with a deadline, then _cont.
#include "monitor/checks/mysql_session.hpp"

#include <mysql.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "monitor/asio_support.hpp"

namespace mmm::monitor {

namespace {

int read_int(std::string_view& text) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{}) return 0;
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    if (!text.empty() && text.front() == '.') text.remove_prefix(1);
    return value;
}
}  // namespace

ServerVersion parse_server_version(std::string_view info) {
    ServerVersion v;
    v.mariadb = info.find("MariaDB") != std::string_view::npos;
    if (v.mariadb && info.starts_with("5.5.5-")) info.remove_prefix(6);
    v.major = read_int(info);
    v.minor = read_int(info);
    v.patch = read_int(info);
    return v;
}

std::optional<std::string> SqlResult::value(std::size_t row, std::string_view column) const {
    if (row >= rows.size()) return std::nullopt;
    for (std::size_t i = 0; i < columns.size() && i < rows[row].size(); ++i) {
        if (columns[i] == column) return rows[row][i];
    }
    return std::nullopt;
}

bool SqlResult::has_column(std::string_view column) const {
    return std::find(columns.begin(), columns.end(), column) != columns.end();
}

struct MysqlSession::Impl {
    asio::any_io_executor executor;
    MYSQL* mysql = nullptr;
    std::unique_ptr<asio::posix::stream_descriptor> descriptor;
    int descriptor_fd = -1;
    bool abandoned = false;  // a call was cut by its deadline: the protocol state is unknown

    void release_descriptor() {
        if (descriptor) {
            asio::error_code ignored;
            descriptor->cancel(ignored);
            (void)descriptor->release();
            descriptor.reset();
        }
        descriptor_fd = -1;
    }

    SqlStatus error_status() const {
        return SqlStatus{false, false, mysql_errno(mysql), mysql_error(mysql)};
    }

    // Waits for what `status` asks (socket readable/writable, or the connector's own timeout) until `deadline`.
    // Returns the bits to pass to *_cont, or 0 when the deadline passed.
    asio::awaitable<int> wait_for(int status, SteadyTime deadline) {
        using namespace asio::experimental::awaitable_operators;
        auto until = deadline;
        if ((status & MYSQL_WAIT_TIMEOUT) != 0) {
            until = std::min(until, std::chrono::steady_clock::now() +
                                        std::chrono::milliseconds(mysql_get_timeout_value_ms(mysql)));
        }
        asio::steady_timer timer(executor, until);
        if ((status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT)) == 0) {
            co_await timer.async_wait(nothrow);
            co_return std::chrono::steady_clock::now() >= deadline ? 0 : MYSQL_WAIT_TIMEOUT;
        }
        const int fd = static_cast<int>(mysql_get_socket(mysql));
        if (fd != descriptor_fd) {
            release_descriptor();
            descriptor = std::make_unique<asio::posix::stream_descriptor>(executor, fd);
            descriptor_fd = fd;
        }
        const auto wait_type = (status & MYSQL_WAIT_READ) != 0 || (status & MYSQL_WAIT_WRITE) == 0
                                   ? asio::posix::stream_descriptor::wait_read
                                   : asio::posix::stream_descriptor::wait_write;
        auto result = co_await (descriptor->async_wait(wait_type, nothrow) || timer.async_wait(nothrow));
        if (result.index() == 0) {
            co_return wait_type == asio::posix::stream_descriptor::wait_read ? MYSQL_WAIT_READ : MYSQL_WAIT_WRITE;
        }
        co_return std::chrono::steady_clock::now() >= deadline ? 0 : MYSQL_WAIT_TIMEOUT;
    }

    // Runs a *_start/_cont pair to completion or to the deadline.
    template <typename Cont>
    asio::awaitable<bool> drive(int status, Cont cont, SteadyTime deadline) {
        abandoned = true;  // stays set if the deadline or a cancellation ends the call midway
        while (status != 0) {
            const int ready = co_await wait_for(status, deadline);
            if (ready == 0) co_return false;
            status = cont(ready);
        }
        abandoned = false;
        co_return true;
    }
};

MysqlSession::MysqlSession(asio::any_io_executor executor) : impl_(std::make_unique<Impl>()) {
    impl_->executor = std::move(executor);
    impl_->mysql = mysql_init(nullptr);
    if (impl_->mysql != nullptr) mysql_options(impl_->mysql, MYSQL_OPT_NONBLOCK, nullptr);
}

MysqlSession::~MysqlSession() {
    if (impl_->mysql == nullptr) return;
    const int fd = impl_->descriptor_fd >= 0 ? impl_->descriptor_fd : static_cast<int>(mysql_get_socket(impl_->mysql));
    impl_->release_descriptor();
    // An abandoned call leaves the protocol mid-way: shut the socket so mysql_close's COM_QUIT cannot block.
    if (impl_->abandoned && fd >= 0) ::shutdown(fd, SHUT_RDWR);
    mysql_close(impl_->mysql);
}

asio::awaitable<SqlStatus> MysqlSession::connect(const std::string& ip, std::uint16_t port, const std::string& user,
                                                 const std::string& password, SteadyTime deadline,
                                                 unsigned int connector_timeout_s) {
    MYSQL* m = impl_->mysql;
    if (m == nullptr) co_return SqlStatus{false, false, 0, "out of memory"};
    const unsigned int t = std::max(1U, connector_timeout_s);
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &t);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &t);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &t);
    MYSQL* ret = nullptr;
    const int status = mysql_real_connect_start(&ret, m, ip.c_str(), user.c_str(), password.c_str(), nullptr, port,
                                                nullptr, 0);
    const bool done = co_await impl_->drive(
        status, [&](int ready) { return mysql_real_connect_cont(&ret, m, ready); }, deadline);
    if (!done) co_return SqlStatus{false, true, 0, "timeout"};
    if (ret == nullptr) co_return impl_->error_status();
    co_return SqlStatus{true, false, 0, {}};
}

asio::awaitable<SqlStatus> MysqlSession::query(std::string_view sql, SqlResult& out, SteadyTime deadline) {
    MYSQL* m = impl_->mysql;
    int err = 0;
    int status = mysql_real_query_start(&err, m, sql.data(), static_cast<unsigned long>(sql.size()));
    bool done = co_await impl_->drive(
        status, [&](int ready) { return mysql_real_query_cont(&err, m, ready); }, deadline);
    if (!done) co_return SqlStatus{false, true, 0, "timeout"};
    if (err != 0) co_return impl_->error_status();

    MYSQL_RES* res = nullptr;
    status = mysql_store_result_start(&res, m);
    done = co_await impl_->drive(
        status, [&](int ready) { return mysql_store_result_cont(&res, m, ready); }, deadline);
    if (!done) co_return SqlStatus{false, true, 0, "timeout"};
    if (res == nullptr) {
        if (mysql_errno(m) != 0) co_return impl_->error_status();
        co_return SqlStatus{true, false, 0, {}};  // a statement without a result set
    }
    const unsigned int n = mysql_num_fields(res);
    const MYSQL_FIELD* fields = mysql_fetch_fields(res);
    out.columns.clear();
    out.rows.clear();
    for (unsigned int i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name);
    // A stored result is in memory: fetching rows does not touch the socket.
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
        const unsigned long* lengths = mysql_fetch_lengths(res);
        std::vector<std::optional<std::string>> values;
        for (unsigned int i = 0; i < n; ++i) {
            if (row[i] == nullptr) values.emplace_back(std::nullopt);
            else values.emplace_back(std::string(row[i], lengths[i]));
        }
        out.rows.push_back(std::move(values));
    }
    mysql_free_result(res);
    co_return SqlStatus{true, false, 0, {}};
}

ServerVersion MysqlSession::server_version() const {
    const char* info = impl_->mysql != nullptr ? mysql_get_server_info(impl_->mysql) : nullptr;
    return parse_server_version(info != nullptr ? info : "");
}

}  // namespace mmm::monitor
