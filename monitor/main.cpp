// mmm_mond: the monitor daemon's entry point.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "common/program.hpp"

int main(int argc, char** argv) {
    CLI::App app{"mmm_mond - the mmm monitor daemon"};
    std::string config_path;
    std::string cluster;
    bool check_config = false;
    bool foreground = false;
    bool version = false;
    app.add_option("-c,--config", config_path, "configuration file (default /etc/mysql-mmm/mmm.yaml)");
    app.add_option("--cluster", cluster, "cluster name: reads mmm_NAME.yaml / mmm_mon_NAME.conf");
    app.add_flag("--check-config", check_config, "validate the configuration and exit (0 valid, 2 invalid)");
    app.add_flag("-f,--foreground", foreground, "stay in the foreground and log to stderr");
    app.add_flag("-V,--version", version, "print the version and exit");
    CLI11_PARSE(app, argc, argv);
    if (version) {
        fmt::print("{}\n", mmm::version_line("mmm_mond"));
        return 0;
    }
    const auto loaded = mmm::load_config_reporting(config_path, cluster, mmm::Program::Monitor);
    if (!loaded.ok()) return 2;
    if (check_config) {
        fmt::print("Configuration '{}' is valid.\n", loaded.source);
        return 0;
    }
    (void)foreground;
    return 0;
}
