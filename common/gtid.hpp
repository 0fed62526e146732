// MariaDB GTID positions (@@gtid_slave_pos, Gtid_IO_Pos, @@gtid_binlog_pos) and binlog states
// (@@gtid_binlog_state): parsing and the comparisons a lossless failover needs. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace mmm {

// One global transaction id, domain-server-sequence ("0-1-1914").
struct Gtid {
    std::uint32_t domain = 0;
    std::uint32_t server = 0;
    std::uint64_t seq = 0;

    friend bool operator==(const Gtid&, const Gtid&) = default;
};

std::string to_string(const Gtid& g);

// A comma-separated list of GTIDs as MariaDB prints it. A position has at most one GTID per domain; a binlog state
// has one per (domain, server). Kept sorted by (domain, server).
class GtidList {
public:
    GtidList() = default;
    // "" is the empty list; spaces and newlines around entries are allowed (MariaDB wraps long lists).
    static Result<GtidList> parse(std::string_view text);

    const std::vector<Gtid>& gtids() const { return gtids_; }
    bool empty() const { return gtids_.empty(); }
    // The GTID of `domain` in a position (the highest sequence number of that domain when there are several).
    std::optional<Gtid> in_domain(std::uint32_t domain) const;
    std::optional<Gtid> of(std::uint32_t domain, std::uint32_t server) const;
    std::string to_string() const;

    // The position that is, in every domain, the more advanced of the two (higher sequence number).
    static GtidList max_per_domain(const GtidList& a, const GtidList& b);

    friend bool operator==(const GtidList&, const GtidList&) = default;

private:
    void add(const Gtid& g);
    std::vector<Gtid> gtids_;
};

// The domains in which position `a` is ahead of position `b` (a higher sequence number, or a domain b lacks):
// empty when b has everything a has. Sequence numbers of one domain grow along its history, whichever server
// wrote them, so in a linear history "ahead" means "has received transactions b has not".
std::vector<Gtid> ahead_in(const GtidList& a, const GtidList& b);

// Transactions only `host` has, judged by binlog states (@@gtid_binlog_state): for each (domain, server) of
// host's state, the reference (the active master's state) has a lower sequence number or none. One entry per
// (domain, server): the reference's last GTID of that server (nullopt: none) and host's last. An empty answer
// means no errant transaction.
struct ErrantRange {
    std::optional<Gtid> after;  // the reference's last GTID of that server
    Gtid last;                  // the host's last GTID of that server
};
std::vector<ErrantRange> errant_transactions(const GtidList& host_state, const GtidList& reference_state);
// "0-1-1915..0-1-1917"-like text for a log line: "after 0-1-1914 up to 0-1-1917", comma-separated.
std::string describe(const std::vector<ErrantRange>& errant);

// A MariaDB server's replication identity and history as read from it: @@server_id, @@gtid_binlog_state.
struct GtidState {
    std::uint32_t server_id = 0;
    GtidList binlog_state;
    friend bool operator==(const GtidState&, const GtidState&) = default;
};
// The errant transactions of `host` against the active master: errant_transactions() without the master's own
// server id (its newest writes reach `host` by replication, possibly before the master's state is read again).
std::vector<ErrantRange> errant_against(const GtidState& host, const GtidState& master);

}  // namespace mmm
