// MariaDB GTID lists: parsing and comparison.
#include "common/gtid.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include <fmt/format.h>

namespace mmm {

namespace {

std::string_view gtid_trim(std::string_view s) {
    const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
    if (s.empty()) return false;
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, out);
    return ec == std::errc() && p == end;
}

std::optional<Gtid> parse_one(std::string_view s) {
    const auto d1 = s.find('-');
    if (d1 == std::string_view::npos) return std::nullopt;
    const auto d2 = s.find('-', d1 + 1);
    if (d2 == std::string_view::npos) return std::nullopt;
    Gtid g;
    if (!parse_number(s.substr(0, d1), g.domain) || !parse_number(s.substr(d1 + 1, d2 - d1 - 1), g.server) ||
        !parse_number(s.substr(d2 + 1), g.seq))
        return std::nullopt;
    return g;
}

bool key_less(const Gtid& a, const Gtid& b) { return std::tie(a.domain, a.server) < std::tie(b.domain, b.server); }

}  // namespace

std::string to_string(const Gtid& g) { return fmt::format("{}-{}-{}", g.domain, g.server, g.seq); }

Result<GtidList> GtidList::parse(std::string_view text) {
    GtidList out;
    text = gtid_trim(text);
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto item = gtid_trim(text.substr(0, comma));
        auto g = parse_one(item);
        if (!g) return fail(fmt::format("not a GTID: '{}'", item));
        out.add(*g);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

void GtidList::add(const Gtid& g) {
    auto it = std::lower_bound(gtids_.begin(), gtids_.end(), g, key_less);
    if (it != gtids_.end() && it->domain == g.domain && it->server == g.server) {
        it->seq = std::max(it->seq, g.seq);
        return;
    }
    gtids_.insert(it, g);
}

std::optional<Gtid> GtidList::in_domain(std::uint32_t domain) const {
    std::optional<Gtid> best;
    for (const auto& g : gtids_)
        if (g.domain == domain && (!best || g.seq > best->seq)) best = g;
    return best;
}

std::optional<Gtid> GtidList::of(std::uint32_t domain, std::uint32_t server) const {
    for (const auto& g : gtids_)
        if (g.domain == domain && g.server == server) return g;
    return std::nullopt;
}

std::string GtidList::to_string() const {
    std::string out;
    for (const auto& g : gtids_) {
        if (!out.empty()) out += ',';
        out += mmm::to_string(g);
    }
    return out;
}

GtidList GtidList::max_per_domain(const GtidList& a, const GtidList& b) {
    GtidList out;
    std::vector<std::uint32_t> domains;
    for (const auto* list : {&a, &b})
        for (const auto& g : list->gtids_)
            if (std::find(domains.begin(), domains.end(), g.domain) == domains.end()) domains.push_back(g.domain);
    for (const auto d : domains) {
        const auto x = a.in_domain(d);
        const auto y = b.in_domain(d);
        out.add(!y || (x && x->seq >= y->seq) ? *x : *y);
    }
    return out;
}

std::vector<Gtid> ahead_in(const GtidList& a, const GtidList& b) {
    std::vector<Gtid> out;
    std::vector<std::uint32_t> seen;
    for (const auto& g : a.gtids()) {
        if (std::find(seen.begin(), seen.end(), g.domain) != seen.end()) continue;
        seen.push_back(g.domain);
        const auto mine = a.in_domain(g.domain);
        const auto theirs = b.in_domain(g.domain);
        if (!theirs || mine->seq > theirs->seq) out.push_back(*mine);
    }
    return out;
}

std::vector<ErrantRange> errant_transactions(const GtidList& host_state, const GtidList& reference_state) {
    std::vector<ErrantRange> out;
    for (const auto& g : host_state.gtids()) {
        const auto ref = reference_state.of(g.domain, g.server);
        if (!ref || ref->seq < g.seq) out.push_back({ref, g});
    }
    return out;
}

std::vector<ErrantRange> errant_against(const GtidState& host, const GtidState& master) {
    auto out = errant_transactions(host.binlog_state, master.binlog_state);
    std::erase_if(out, [&](const ErrantRange& e) { return e.last.server == master.server_id; });
    return out;
}

std::string describe(const std::vector<ErrantRange>& errant) {
    std::string out;
    for (const auto& e : errant) {
        if (!out.empty()) out += ", ";
        out += e.after ? fmt::format("after {} up to {}", to_string(*e.after), to_string(e.last))
                       : fmt::format("up to {} (none of server {} in domain {})", to_string(e.last), e.last.server,
                                     e.last.domain);
    }
    return out;
}

}  // namespace mmm
