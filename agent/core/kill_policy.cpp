// Deny-write's kill policy.
#include "agent/core/kill_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace mmm::agent {

namespace {

bool starts_with_nocase(std::string_view text, std::string_view word) {
    if (text.size() < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) return false;
    return true;
}

void skip_space(std::string_view& s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
}

}  // namespace

bool is_write_statement(std::string_view info) {
    skip_space(info);
    if (info.substr(0, 2) == "/*") {
        const auto end = info.find("*/", 2);
        if (end == std::string_view::npos) return false;
        info.remove_prefix(end + 2);
        skip_space(info);
    }
    static constexpr std::array<std::string_view, 11> writes{"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE",
                                                             "DROP",   "ALTER",  "REPAIR", "OPTIMIZE", "ANALYZE",
                                                             "CHECK"};
    return std::any_of(writes.begin(), writes.end(), [&](std::string_view w) { return starts_with_nocase(info, w); });
}

bool is_protected_thread(const ProcessRow& row, std::uint64_t own_id) {
    if (row.id == own_id) return true;
    if (row.user == "system user" || row.user == "event_scheduler") return true;
    const std::string_view c = row.command;
    return c.rfind("Binlog Dump", 0) == 0 || c.rfind("Slave_", 0) == 0 || c.rfind("Replica_", 0) == 0 ||
           c == "Daemon";
}

KillRound plan_kill_round(const std::vector<ProcessRow>& rows, std::uint64_t own_id, int round, int max_rounds) {
    KillRound out;
    const bool last = round >= max_rounds;
    for (const auto& row : rows) {
        if (is_protected_thread(row, own_id)) continue;
        if (!last && is_write_statement(row.info)) {
            ++out.spared;
            continue;
        }
        out.kill.push_back(row.id);
    }
    return out;
}

}  // namespace mmm::agent
