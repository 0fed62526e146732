// Fuzz target: the monitor's control-command lines (monitor/core/command.*), parsed and then carried out by a
// started three-host MonitorCore through the unit tests' harness (agents answer, plans run to their end).
#include <string>

#include "monitor/core/command.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/unit/monitor/harness.hpp"

using namespace mmm;
using namespace mmm::monitor;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text = fuzz::as_text(data, size);

    // Every line alone: the parser and the read-only test agree (the shell decides by the latter what may run
    // during a plan).
    std::vector<std::string_view> lines;
    while (!text.empty() && lines.size() < 16) {
        const auto nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    }
    for (const auto line : lines) {
        const auto command = parse_command(line);
        if (command) fuzz::check(command->read_only() == is_read_only_command(line), "read_only disagrees");
    }

    // The lines in order, as commands to a running monitor: no exception, no broken safety invariant.
    test::Harness h;
    h.start_online();
    for (const auto line : lines) {
        if (h.core.command_pending()) break;
        h.command(std::string(line));
        fuzz::check(h.core.invariant_violations().empty(), "a command broke a safety invariant");
    }
    return 0;
}
