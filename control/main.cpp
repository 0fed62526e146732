// mmm_control: the command-line client of the monitor.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "common/program.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--version" || args[0] == "-V")) {
        fmt::print("{}\n", mmm::version_line("mmm_control"));
        return 0;
    }
    fmt::print(stderr, "See '{}' help for usage information\n", argv[0]);
    return 2;
}
