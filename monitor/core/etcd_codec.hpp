// The etcd v3 JSON gateway's messages that leader election and the stored state use (issue 14): request bodies and
// response parsing, pure (no sockets). Keys and values travel base64-encoded; 64-bit integers as decimal strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mmm::monitor::etcd {

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// A key as a range returned it.
struct KeyValue {
    std::string key;
    std::string value;
    std::int64_t create_revision = 0;
    std::int64_t mod_revision = 0;
    std::int64_t lease = 0;
};

// POST /v3/lease/grant: {"TTL": ttl}; the reply's ID.
std::string grant_request(std::int64_t ttl_seconds);
struct Grant {
    std::int64_t id = 0;
    std::int64_t ttl = 0;
};
Result<Grant> parse_grant(std::string_view body);

// POST /v3/lease/keepalive {"ID": id}: the TTL left after the renewal; 0 = the lease has expired (or never existed).
std::string lease_id_request(std::int64_t id);  // also the body of /v3/lease/revoke
Result<std::int64_t> parse_keepalive(std::string_view body);

// POST /v3/kv/txn, the campaign: if `leader_key` does not exist, put it with `value` under `lease` and read
// `state_key`; otherwise read `leader_key` (who leads).
std::string campaign_request(std::string_view leader_key, std::string_view value, std::int64_t lease,
                             std::string_view state_key);
struct Campaign {
    bool won = false;
    std::int64_t revision = 0;             // won: the leader key's create_revision (the store's revision after the put)
    std::optional<KeyValue> state;         // won: the stored state, when there is one
    std::optional<KeyValue> leader;        // lost: the leader's key (absent if it vanished in between)
};
Result<Campaign> parse_campaign(std::string_view body);

// POST /v3/kv/txn, a write only the leader can make: put `key` = `value` if `leader_key`'s create_revision is still
// `revision` (the leader's own key, alive under its lease).
std::string guarded_put_request(std::string_view leader_key, std::int64_t revision, std::string_view key,
                                std::string_view value);
// POST /v3/kv/txn, resignation: delete `leader_key` if its create_revision is still `revision`.
std::string guarded_delete_request(std::string_view leader_key, std::int64_t revision);
// true: the comparison held and the request was applied; false: the leader key is gone or another's.
Result<bool> parse_txn_succeeded(std::string_view body);

// POST /v3/kv/range {"key": key}: the key or nullopt.
std::string range_request(std::string_view key);
Result<std::optional<KeyValue>> parse_range(std::string_view body);

// The leader key's value: who leads and where its control port is.
struct LeaderRecord {
    std::string ip;
    std::uint16_t port = 0;
    std::int64_t pid = 0;
    std::string since;  // "YYYY/MM/DD HH:MM:SS", the monitor's local time
    bool operator==(const LeaderRecord&) const = default;
};
std::string encode_leader(const LeaderRecord& record);
Result<LeaderRecord> parse_leader(std::string_view text);

// The role-assignment epochs of a leader whose key has create_revision `revision`: every epoch of an earlier leader
// is below it (a leader takes at most 2^32 epochs), so an agent that saw the new leader refuses the old one.
constexpr std::uint64_t epoch_floor(std::int64_t revision) { return static_cast<std::uint64_t>(revision) << 32; }

}  // namespace mmm::monitor::etcd
