// Parsing control-protocol lines (§8.2).
#include "monitor/core/command.hpp"

#include <array>
#include <sstream>
#include <utility>

namespace mmm::monitor {

namespace {
struct Spec {
    std::string_view word;
    CommandKind kind;
    std::size_t min_args, max_args;
};
constexpr std::array<Spec, 13> specs{{
    {"help", CommandKind::Help, 0, 0},
    {"ping", CommandKind::Ping, 0, 0},
    {"show", CommandKind::Show, 0, 0},
    {"checks", CommandKind::Checks, 0, 2},
    {"mode", CommandKind::Mode, 0, 0},
    {"why", CommandKind::Why, 0, 0},
    {"set_active", CommandKind::SetActive, 0, 0},
    {"set_manual", CommandKind::SetManual, 0, 0},
    {"set_passive", CommandKind::SetPassive, 0, 0},
    {"set_online", CommandKind::SetOnline, 1, 1},
    {"set_offline", CommandKind::SetOffline, 1, 1},
    {"move_role", CommandKind::MoveRole, 2, 2},
    {"set_ip", CommandKind::SetIp, 2, 2},
}};

std::vector<std::string> split_words(std::string_view line) {
    std::istringstream in{std::string(line)};
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

const Spec* find_spec(std::string_view word) {
    for (const auto& s : specs)
        if (s.word == word) return &s;
    return nullptr;
}
}  // namespace

bool Command::read_only() const {
    return kind == CommandKind::Help || kind == CommandKind::Ping || kind == CommandKind::Show ||
           kind == CommandKind::Checks || kind == CommandKind::Mode || kind == CommandKind::Why;
}

std::optional<Command> parse_command(std::string_view line) {
    auto words = split_words(line);
    if (words.empty()) return std::nullopt;
    const Spec* spec = find_spec(words.front());
    if (spec == nullptr) return std::nullopt;
    Command c;
    c.kind = spec->kind;
    c.args.assign(words.begin() + 1, words.end());
    if (c.kind == CommandKind::MoveRole && !c.args.empty() && c.args.front() == "--force") {
        c.force = true;
        c.args.erase(c.args.begin());
    }
    if (c.read_only() && c.kind != CommandKind::Help && c.kind != CommandKind::Ping) {
        const auto before = c.args.size();
        std::erase(c.args, std::string("--json"));
        c.json = c.args.size() != before;
    }
    if (c.args.size() < spec->min_args || c.args.size() > spec->max_args) return std::nullopt;
    return c;
}

bool is_read_only_command(std::string_view line) {
    const auto words = split_words(line);
    if (words.empty()) return false;
    const Spec* spec = find_spec(words.front());
    return spec != nullptr && Command{spec->kind, {}, false}.read_only();
}

}  // namespace mmm::monitor
