// Binlog salvage: binlog file heads, the first file needed, the count of salvaged transactions.
#include "agent/core/salvage.hpp"

#include <cctype>

#include <fmt/format.h>

namespace mmm::agent {

namespace {

constexpr std::string_view binlog_magic = "\xfe" "bin";
constexpr std::size_t header_size = 19;  // timestamp 4, type 1, server id 4, length 4, next position 4, flags 2
constexpr unsigned char format_description_event = 15;
constexpr unsigned char gtid_list_event = 163;
constexpr unsigned char start_encryption_event = 164;
constexpr int max_events_before_list = 8;

std::uint64_t little_endian(std::string_view bytes, std::size_t at, std::size_t width) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i)
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return v;
}

// The entries of a Gtid_list event's body: a count (its high 4 bits are flags), then (domain 4, server 4, seq 8).
Result<GtidList> parse_gtid_list(std::string_view body) {
    if (body.size() < 4) return fail("Gtid_list event too short");
    const auto count = little_endian(body, 0, 4) & 0x0fffffffU;
    if (body.size() < 4 + count * 16) return fail(fmt::format("Gtid_list event too short for {} entries", count));
    std::string text;
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::size_t at = 4 + i * 16;
        if (!text.empty()) text += ',';
        text += fmt::format("{}-{}-{}", little_endian(body, at, 4), little_endian(body, at + 4, 4),
                            little_endian(body, at + 8, 8));
    }
    return GtidList::parse(text);
}

}  // namespace

Result<GtidList> binlog_start_state(std::string_view head) {
    if (!head.starts_with(binlog_magic)) return fail("not a binary log (no magic number)");
    std::size_t at = binlog_magic.size();
    for (int n = 0; n < max_events_before_list; ++n) {
        if (head.size() < at + header_size) return fail("binary log head truncated before its Gtid_list event");
        const auto type = static_cast<unsigned char>(head[at + 4]);
        const auto length = little_endian(head, at + 9, 4);
        if (length < header_size || head.size() < at + length)
            return fail(fmt::format("binary log event of {} bytes at {} does not fit the head read", length, at));
        if (n == 0 && type != format_description_event) return fail("binary log does not start with a format event");
        if (type == start_encryption_event) return fail("binary log is encrypted");
        if (type == gtid_list_event) return parse_gtid_list(head.substr(at + header_size, length - header_size));
        at += length;
    }
    return fail("no Gtid_list event among the first events (not a MariaDB binary log?)");
}

Result<std::size_t> first_binlog_needed(const std::vector<GtidList>& starts, const GtidList& from) {
    if (starts.empty()) return fail("no binary log files");
    const auto holds_nothing_after = [&](const GtidList& start) {
        for (const auto& g : start.gtids()) {
            const auto have = from.in_domain(g.domain);
            if (!have || g.seq > have->seq) return false;
        }
        return true;
    };
    if (!holds_nothing_after(starts.front()))
        return fail(fmt::format("the oldest binary log starts at {}, after {}: transactions in between were purged",
                                starts.front().to_string(), from.to_string()));
    std::size_t first = 0;
    for (std::size_t i = 1; i < starts.size(); ++i)
        if (holds_nothing_after(starts[i])) first = i;
    return first;
}

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}
bool starts_with_word(std::string_view s, std::string_view word) {
    if (s.size() <= word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(s[i])) != word[i]) return false;
    return s[word.size()] == ' ' || s[word.size()] == '\t';
}
}  // namespace

std::vector<std::string> BinlogScriptSplitter::feed(std::string_view chunk) {
    std::vector<std::string> out;
    while (!chunk.empty()) {
        const auto nl = chunk.find('\n');
        if (nl == std::string_view::npos) {
            partial_line_.append(chunk);
            break;
        }
        if (partial_line_.empty()) {
            line(chunk.substr(0, nl), out);
        } else {
            partial_line_.append(chunk.substr(0, nl));
            line(partial_line_, out);
            partial_line_.clear();
        }
        chunk.remove_prefix(nl + 1);
    }
    return out;
}

void BinlogScriptSplitter::line(std::string_view text, std::vector<std::string>& out) {
    const std::string_view t = trim(text);
    if (statement_.empty()) {
        if (t.empty() || t.front() == '#') return;
        if (starts_with_word(t, "DELIMITER")) {
            delimiter_ = std::string(trim(t.substr(9)));
            if (delimiter_.empty()) delimiter_ = ";";
            return;
        }
    }
    statement_.append(text);
    statement_.push_back('\n');
    if (!t.ends_with(delimiter_)) return;
    std::string_view done = trim(statement_);
    done.remove_suffix(delimiter_.size());
    done = trim(done);
    if (!done.empty()) out.emplace_back(done);
    statement_.clear();
}

bool BinlogScriptSplitter::finish() const { return trim(statement_).empty() && trim(partial_line_).empty(); }

SalvageCount salvaged(const GtidList& before, const GtidList& after) {
    SalvageCount out;
    for (const auto& g : ahead_in(after, before)) {
        const auto had = before.in_domain(g.domain);
        const std::uint64_t from_seq = had ? had->seq : 0;
        out.transactions += g.seq - from_seq;
        if (!out.range.empty()) out.range += ", ";
        out.range += had ? fmt::format("after {} up to {}", to_string(*had), to_string(g))
                         : fmt::format("up to {}", to_string(g));
    }
    return out;
}

}  // namespace mmm::agent
