// Binlog salvage (issue 11): the pure parts of giving a dead old master's unsent binlog tail to the new writer —
// where each binlog file starts in GTID terms, from which file the tail must be read, and the report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/gtid.hpp"
#include "common/result.hpp"

namespace mmm::agent {

// How many bytes of a binlog file's head binlog_start_state needs at most (the format description event, the
// Gtid_list event with a few thousand entries); reading more is harmless.
constexpr std::size_t binlog_head_bytes = 256 * 1024;

// The GTID state a MariaDB binlog file starts with: its Gtid_list event (the last GTID of every (domain, server)
// logged before the file), read from the file's first bytes. Fails on anything that is not a MariaDB binlog with such
// an event among its first events (a MySQL binlog, an encrypted one, a truncated head).
Result<GtidList> binlog_start_state(std::string_view head);

// The first file (index into `starts`, the start states of the files in index order) that holds every transaction
// after position `from`: the last file whose start state is, in every (domain, server), at or before `from` in that
// domain. Fails when even the first file starts after `from` in some domain (the transactions in between were
// purged) or when there are no files.
Result<std::size_t> first_binlog_needed(const std::vector<GtidList>& starts, const GtidList& from);

// mariadb-binlog's output cut into the statements its client would send: DELIMITER lines set the delimiter (the
// output switches to "/*!*/;"), a statement ends with a line that ends with the delimiter, lines starting with '#'
// between statements are comments. Fed in chunks of any size; `finish` says whether text was left unterminated (the
// tool stopped mid-statement: it is not sent).
class BinlogScriptSplitter {
public:
    std::vector<std::string> feed(std::string_view chunk);
    bool finish() const;

private:
    void line(std::string_view text, std::vector<std::string>& out);
    std::string partial_line_;
    std::string statement_;
    std::string delimiter_ = ";";
};

// The transactions a salvage gave the new writer: in each domain of `after`, those past `before` (what it had).
struct SalvageCount {
    std::uint64_t transactions = 0;
    std::string range;  // "after 0-1-4 up to 0-1-6021", comma-separated per domain; "" when none
};
SalvageCount salvaged(const GtidList& before, const GtidList& after);

}  // namespace mmm::agent
