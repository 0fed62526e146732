// Config file selection (explicit path, mmm[_NAME].yaml, legacy mmm_*.conf), permission checks, error rendering.
#include "common/config_load.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace mmm {

namespace fs = std::filesystem;

std::string ConfigError::to_string() const {
    std::string s = file;
    if (line > 0) s += fmt::format(":{}", line);
    s += ": ";
    if (!key.empty()) s += key + ": ";
    s += what;
    return s;
}

std::string LoadResult::error_text() const {
    std::string s;
    for (const auto& e : errors) s += e.to_string() + "\n";
    return s;
}

namespace {

bool holds_passwords(const Config& c) {
    for (const auto& h : c.hosts)
        if (!h.agent_password.empty() || !h.monitor_password.empty() || !h.replication_password.empty()) return true;
    return false;
}

// A config must not be writable by everyone, nor readable by everyone while it holds passwords.
void check_file_permissions(const std::string& path, LoadResult& r) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return;
    if ((st.st_mode & S_IWOTH) != 0)
        r.errors.push_back({path, 0, "", "the file is writable by everyone (chmod o-w)"});
    if ((st.st_mode & S_IROTH) != 0 && holds_passwords(r.config))
        r.errors.push_back({path, 0, "", "the file holds passwords and is readable by everyone (chmod 0640)"});
}

// The same for every file the config was read from: a legacy file's includes too (issue 12 item 14).
void check_permissions(LoadResult& r) {
    for (const auto& file : r.files) check_file_permissions(file, r);
}

}  // namespace

LoadResult load_yaml_config(const std::string& path, Program program) {
    std::ifstream in(path);
    if (!in) {
        LoadResult r;
        r.source = path;
        r.errors.push_back({path, 0, "", "can't read the configuration file"});
        return r;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    LoadResult r = parse_yaml_config(ss.str(), path, program);
    r.files = {path};
    check_permissions(r);
    return r;
}

namespace {
LoadResult find_and_load(const std::string& explicit_path, const std::string& cluster, Program program) {
    const bool legacy_name = [&] {
        return explicit_path.size() > 5 && explicit_path.substr(explicit_path.size() - 5) == ".conf";
    }();
    if (!explicit_path.empty()) {
        LoadResult r = legacy_name ? load_legacy_config(explicit_path, program) : load_yaml_config(explicit_path, program);
        if (legacy_name) check_permissions(r);
        return r;
    }
    const std::string suffix = cluster.empty() ? "" : "_" + cluster;
    const std::string yaml = "/etc/mysql-mmm/mmm" + suffix + ".yaml";
    if (fs::exists(yaml)) return load_yaml_config(yaml, program);

    const std::string legacy = (program == Program::Agent ? "mmm_agent" : "mmm_mon") + suffix + ".conf";
    for (const auto& dir : legacy_config_dirs) {
        const std::string candidate = dir + "/" + legacy;
        if (std::ifstream(candidate).good()) {
            LoadResult r = load_legacy_config(candidate, program);
            check_permissions(r);
            return r;
        }
    }
    LoadResult r;
    r.source = yaml;
    r.errors.push_back(
        {yaml, 0, "", fmt::format("no configuration: neither this file nor a readable {} in /etc, /etc/mmm, "
                                  "/etc/mysql-mmm (use -c FILE)",
                                  legacy)});
    return r;
}
}  // namespace

LoadResult load_config(const std::string& explicit_path, const std::string& cluster, Program program) {
    LoadResult r = find_and_load(explicit_path, cluster, program);
    r.config.cluster = cluster;
    return r;
}

}  // namespace mmm
