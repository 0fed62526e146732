// Asio helpers shared by the monitor's shell.
#pragma once

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace mmm::monitor {

// Completion token for awaiting without exceptions: `co_await op(..., nothrow)` yields (error_code, results...).
inline constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);

// Runs the tasks with at most `limit` in flight and returns when all have finished. The bound keeps a burst (every
// check of every host, every agent query at start-up) from piling up connections and memory at once.
inline asio::awaitable<void> run_all(std::vector<std::function<asio::awaitable<void>()>> tasks, std::size_t limit) {
    auto executor = co_await asio::this_coro::executor;
    struct Join {
        std::vector<std::function<asio::awaitable<void>()>> tasks;
        std::size_t next = 0;
        std::size_t workers = 0;
        asio::steady_timer done;
    };
    auto join = std::make_shared<Join>(
        Join{std::move(tasks), 0, 0, asio::steady_timer(executor, asio::steady_timer::time_point::max())});
    auto worker = [](std::shared_ptr<Join> j) -> asio::awaitable<void> {
        while (j->next < j->tasks.size()) co_await j->tasks[j->next++]();
    };
    join->workers = std::min(limit, join->tasks.size());
    for (std::size_t i = 0; i < join->workers; ++i) {
        asio::co_spawn(executor, worker(join), [join](std::exception_ptr) {
            if (--join->workers == 0) join->done.cancel();
        });
    }
    if (join->workers > 0) co_await join->done.async_wait(nothrow);
}

}  // namespace mmm::monitor
