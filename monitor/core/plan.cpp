// Role-list encodings and Plan helpers.
#include "monitor/core/plan.hpp"

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

std::string display_roles(const std::vector<RoleIp>& roles) { return join_roles(roles, ", "); }

std::string set_status_request(const StatusUpdate& status) {
    protocol::SetStatusFields fields;
    if (status.epoch != 0) fields.epoch = status.epoch;
    fields.lease = status.lease;
    return protocol::encode_set_status(status.host, to_string(status.state), status.roles, status.active_master,
                                       fields);
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
