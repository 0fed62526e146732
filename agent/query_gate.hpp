// Read-only queries that can wait on a hung server (GET_SYSTEM_STATUS on the local one, CHECK_MASTER on the active
// master): on threads of their own, never on the worker strand's, so a queue of them never delays a SET_STATUS;
// one at a time per key. A request for a query that is already running waits for that query's answer; beyond
// max_waiters it is answered at once with an error, so no peer can queue work without bound.
#pragma once

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace mmm::agent {

class QueryGate {
public:
    using ReplyFn = std::function<void(std::string)>;

    QueryGate(asio::io_context& io, std::size_t threads, std::size_t max_waiters)
        : io_(io), pool_(threads), max_waiters_(max_waiters) {}
    ~QueryGate() { stop(); }
    QueryGate(const QueryGate&) = delete;
    QueryGate& operator=(const QueryGate&) = delete;

    // On the io_context's thread: `work` runs on the gate's threads unless the query `key` is already running;
    // `reply` gets its result on the io_context's thread.
    void ask(const std::string& key, ReplyFn reply, std::function<std::string()> work) {
        auto [it, fresh] = waiting_.try_emplace(key);
        if (!fresh && it->second.size() >= max_waiters_) {
            reply(fmt::format("ERROR: {} requests already wait for this query; try again later", it->second.size()));
            return;
        }
        it->second.push_back(std::move(reply));
        if (!fresh) return;
        asio::post(pool_, [this, key, work = std::move(work)] {
            auto text = work();
            asio::post(io_, [this, key, text = std::move(text)] {
                auto node = waiting_.extract(key);
                if (!node.empty())
                    for (auto& r : node.mapped()) r(text);
            });
        });
    }

    void stop() {
        pool_.stop();
        pool_.join();
    }

private:
    asio::io_context& io_;
    asio::thread_pool pool_;
    std::size_t max_waiters_;
    std::map<std::string, std::vector<ReplyFn>> waiting_;  // io_context thread only
};

}  // namespace mmm::agent
