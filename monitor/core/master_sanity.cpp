// The master-master sanity check's decisions: mysql-mmm's texts (spec §1.3.1 step 8), skipping where it crashed.
#include "monitor/core/master_sanity.hpp"

#include <fmt/format.h>

namespace mmm::monitor {

namespace {
SanityWarning skipped(std::string text) { return {SanityFinding::Skipped, std::move(text)}; }
SanityWarning problem(std::string text) { return {SanityFinding::Problem, std::move(text)}; }
}  // namespace

bool master_master_check_needs_servers(const std::vector<MasterObservation>& masters) {
    if (masters.size() != 2) return false;
    return masters[0].mysql_check_ok && masters[1].mysql_check_ok;
}

std::vector<SanityWarning> master_master_warnings(const std::vector<MasterObservation>& masters) {
    if (masters.size() < 2)
        return {skipped("Only one host configured which can handle the active master role. Skipping check of "
                        "master-master configuration.")};
    if (masters.size() > 2)  // the config validator refuses this already; mysql-mmm's monitor died here
        return {problem("There are more than two hosts configured which can handle the active master role.")};
    for (const auto& m : masters)
        if (!m.mysql_check_ok)
            return {skipped(fmt::format(
                "Check 'mysql' is in state 'failed' on host '{}'. Skipping check of master-master configuration.",
                m.host))};

    std::vector<SanityWarning> out;
    for (const auto& m : masters)
        if (m.failure)  // mysql-mmm's text, two spaces and the error glued to the full stop included
            out.push_back(skipped(fmt::format(
                "Couldn't connect to  '{}'. Skipping check of master-master replication.{}", m.host, *m.failure)));
    if (!out.empty()) return out;

    for (std::size_t i = 0; i < 2; ++i) {
        const auto& m = masters[i];
        const auto& peer = masters[1 - i];
        if (!m.master_host || *m.master_host != peer.ip)
            out.push_back(problem(fmt::format("{} is not replicating from {}", m.host, peer.host)));
    }

    bool values_missing = false;
    for (const auto& m : masters) {
        if (m.auto_increment_increment && m.auto_increment_offset) continue;
        values_missing = true;
        out.push_back(skipped(fmt::format("Couldn't get value of auto_increment_offset/auto_increment_increment from "
                                          "host {}. Skipping check of master-master replication.",
                                          m.host)));
    }
    if (values_missing) return out;

    const auto& a = masters[0];
    const auto& b = masters[1];
    const long long inc_a = *a.auto_increment_increment, inc_b = *b.auto_increment_increment;
    const long long off_a = *a.auto_increment_offset, off_b = *b.auto_increment_offset;
    if (inc_a != inc_b)
        out.push_back(problem(fmt::format("auto_increment_increment should be identical on both masters ({}: {} , {}: {})",
                                          a.host, inc_a, b.host, inc_b)));
    if (off_a == off_b)
        out.push_back(problem(fmt::format("auto_increment_offset should be different on both masters ({}: {} , {}: {})",
                                          a.host, off_a, b.host, off_b)));
    for (const auto& m : masters)
        if (*m.auto_increment_increment < 2)
            out.push_back(problem(
                fmt::format("{}: auto_increment_increment ({}) should be >= 2", m.host, *m.auto_increment_increment)));
    for (const auto& m : masters)
        if (*m.auto_increment_offset > *m.auto_increment_increment)
            out.push_back(problem(fmt::format("{}: auto_increment_offset ({}) should not be greater than "
                                              "auto_increment_increment ({})",
                                              m.host, *m.auto_increment_offset, *m.auto_increment_increment)));
    return out;
}

}  // namespace mmm::monitor
