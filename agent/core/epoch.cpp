// Role-assignment epochs on the agent.
#include "agent/core/epoch.hpp"

#include <charconv>

#include <fmt/format.h>

namespace mmm::agent {

Result<void> check_epoch(std::optional<std::uint64_t> epoch, std::uint64_t highest_accepted) {
    if (!epoch || *epoch >= highest_accepted) return {};
    return fail(fmt::format("ERROR: Stale epoch {}: this agent has accepted epoch {}", *epoch, highest_accepted));
}

std::string epoch_file_path(const std::string& state_path, const std::string& pid_path) {
    if (!state_path.empty()) return state_path;
    constexpr std::string_view pid = ".pid";
    const std::string_view base(pid_path);
    const bool has_pid = base.size() > pid.size() && base.substr(base.size() - pid.size()) == pid;
    return std::string(has_pid ? base.substr(0, base.size() - pid.size()) : base) + ".epoch";
}

std::string encode_epoch_file(std::uint64_t epoch) { return fmt::format("epoch={}\n", epoch); }

Result<std::uint64_t> parse_epoch_file(std::string_view text) {
    constexpr std::string_view key = "epoch=";
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    const auto digits = text.substr(std::min(text.size(), key.size()));
    std::uint64_t value = 0;
    const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (text.substr(0, key.size()) != key || digits.empty() || res.ec != std::errc{} ||
        res.ptr != digits.data() + digits.size())
        return fail(fmt::format("expected one line 'epoch=<unsigned 64-bit integer>', found '{}'", text));
    return value;
}

}  // namespace mmm::agent
