// Asio helpers shared by the monitor's shell.
#pragma once

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace mmm::monitor {

// Completion token for awaiting without exceptions: `co_await op(..., nothrow)` yields (error_code, results...).
inline constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace mmm::monitor
