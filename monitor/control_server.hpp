// The control listener (spec §8.1): one command per line, `quit` closes; replies are sent exactly as produced.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "common/result.hpp"

namespace mmm::monitor {

class ControlServer {
public:
    // Called on the io_context's thread for every command line; `respond` may be called later (once). The reply
    // goes out without an added newline, as mysql-mmm's monitor does.
    using Respond = std::function<void(std::string reply)>;
    using Handler = std::function<void(std::string line, Respond respond)>;

    ControlServer(asio::io_context& io, Handler handler);
    ~ControlServer();

    Result<void> listen(const std::string& ip, std::uint16_t port);
    std::uint16_t port() const;
    void stop();

    // A connection with no complete line for this long is closed.
    static constexpr std::chrono::seconds idle_timeout{60};

private:
    void accept();
    asio::io_context& io_;
    Handler handler_;
    asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mmm::monitor
