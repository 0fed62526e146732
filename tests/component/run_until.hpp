// Bounded io_context runs for the component tests of every area.
#pragma once

#include <chrono>

#include <asio/io_context.hpp>

namespace mmm::test {

// Runs `io` in small slices until `done()` or `bound` passes (restarting it when it runs out of work).
template <typename F>
void run_until(asio::io_context& io, F done, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + bound;
    while (!done() && std::chrono::steady_clock::now() < end) {
        io.restart();
        io.run_for(std::chrono::milliseconds(5));
    }
}

}  // namespace mmm::test
