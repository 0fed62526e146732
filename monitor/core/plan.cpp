// Role-list encodings and Plan helpers.
#include "monitor/core/plan.hpp"

#include <algorithm>

namespace mmm::monitor {

namespace {
std::string join_roles(const std::vector<RoleIp>& roles, std::string_view sep) {
    std::string out;
    for (const auto& r : roles) {
        if (!out.empty()) out += sep;
        out += r.role;
        out += '(';
        out += r.ip;
        out += ')';
    }
    return out;
}
}  // namespace

std::string encode_roles(const std::vector<RoleIp>& roles) { return join_roles(roles, ","); }
std::string display_roles(const std::vector<RoleIp>& roles) { return join_roles(roles, ", "); }

std::vector<RoleIp> parse_roles(std::string_view text) {
    std::vector<RoleIp> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t comma = text.find(',', pos);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view item = text.substr(pos, comma - pos);
        // mysql-mmm matches (.*)\((.*)\): the last '(' opens the IP and the item ends with ')'.
        std::size_t open = item.rfind('(');
        if (open != std::string_view::npos && !item.empty() && item.back() == ')' && open + 1 < item.size())
            out.push_back({std::string(item.substr(0, open)), std::string(item.substr(open + 1, item.size() - open - 2))});
        pos = comma + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
}

void Plan::append(Plan&& other) {
    actions.insert(actions.end(), std::make_move_iterator(other.actions.begin()),
                   std::make_move_iterator(other.actions.end()));
}

std::vector<std::string> Plan::log_texts() const {
    std::vector<std::string> out;
    for (const auto& a : actions)
        if (const auto* l = std::get_if<LogLine>(&a.body)) out.push_back(l->text);
    return out;
}

std::optional<std::string> Plan::reply() const {
    for (const auto& a : actions)
        if (const auto* r = std::get_if<Reply>(&a.body)) return r->text;
    return std::nullopt;
}

}  // namespace mmm::monitor
