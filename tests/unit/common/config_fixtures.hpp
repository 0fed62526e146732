// Shared fixtures of the common unit tests: a minimal valid YAML cluster, a temporary directory, a file's text.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mmm::test {

// A minimal valid cluster; tests append or replace lines to make it invalid.
inline const std::string minimal = R"(active_master_role: writer
monitor:
  ping_ips: [192.0.2.1]
hosts:
  default:
    agent_user: a
    agent_password: ap
    monitor_user: m
    monitor_password: mp
    replication_user: r
    replication_password: rp
  db1: {ip: 192.0.2.11, mode: master, peer: db2}
  db2: {ip: 192.0.2.12, mode: master, peer: db1}
roles:
  writer: {mode: exclusive, hosts: [db1, db2], ips: [192.0.2.50]}
)";

// The whole text of a file ("" when it can't be read).
inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A directory under /tmp, removed with everything in it at the end of the test.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/mmm-config-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) const {
        const auto p = (path / name).string();
        std::ofstream(p) << text;
        ::chmod(p.c_str(), mode);
        return p;
    }
};

}  // namespace mmm::test
