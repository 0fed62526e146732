// The etcd v3 JSON gateway's messages (see etcd_codec.hpp).
#include "monitor/core/etcd_codec.hpp"

#include <array>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mmm::monitor::etcd {

namespace {
using json = nlohmann::json;

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The gateway writes int64 fields as strings ("ID": "7587..."), small ones sometimes as numbers.
std::int64_t integer(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key)) return 0;
    const auto& v = j.at(key);
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (!v.is_string()) throw std::invalid_argument(fmt::format("'{}' is not an integer", key));
    const auto text = v.get<std::string>();
    std::int64_t value = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (res.ec != std::errc{} || res.ptr != text.data() + text.size())
        throw std::invalid_argument(fmt::format("'{}' is not an integer: '{}'", key, text));
    return value;
}

std::string bytes(const json& j, const char* key) {
    if (!j.contains(key)) return {};
    auto decoded = base64_decode(j.at(key).get<std::string>());
    if (!decoded) throw std::invalid_argument(fmt::format("'{}' is not base64", key));
    return *decoded;
}

KeyValue key_value(const json& kv) {
    return {bytes(kv, "key"), bytes(kv, "value"), integer(kv, "create_revision"), integer(kv, "mod_revision"),
            integer(kv, "lease")};
}

std::optional<KeyValue> first_kv(const json& range) {
    if (!range.contains("kvs") || range.at("kvs").empty()) return std::nullopt;
    return key_value(range.at("kvs").at(0));
}

// Parses the body and hands it to `read`; a gateway error ({"error": ..., "code": ...}) or malformed JSON is an error.
template <typename T, typename F>
Result<T> parse(std::string_view body, F read) {
    try {
        const auto j = json::parse(body);
        if (!j.is_object()) return fail(fmt::format("etcd: unexpected reply '{}'", body.substr(0, 200)));
        if (j.contains("error") || (j.contains("code") && j.contains("message"))) {
            const auto& m = j.contains("message") ? j.at("message") : j.at("error");
            return fail(fmt::format("etcd: {}", m.is_string() ? m.get<std::string>() : m.dump()));
        }
        return read(j);
    } catch (const std::exception& e) {
        return fail(fmt::format("etcd: unreadable reply ({}): '{}'", e.what(), body.substr(0, 200)));
    }
}

json compare_create(std::string_view key, std::int64_t revision) {
    return {{"key", base64_encode(key)},
            {"result", "EQUAL"},
            {"target", "CREATE"},
            {"create_revision", std::to_string(revision)}};
}
}  // namespace

std::string base64_encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const auto n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
        for (int shift : {18, 12, 6, 0}) out.push_back(alphabet[static_cast<std::size_t>((n >> shift) & 63)]);
    }
    if (i < in.size()) {
        const bool two = i + 1 < in.size();
        const auto n = (static_cast<unsigned char>(in[i]) << 16) | (two ? static_cast<unsigned char>(in[i + 1]) << 8 : 0);
        out.push_back(alphabet[static_cast<std::size_t>((n >> 18) & 63)]);
        out.push_back(alphabet[static_cast<std::size_t>((n >> 12) & 63)]);
        out.push_back(two ? alphabet[static_cast<std::size_t>((n >> 6) & 63)] : '=');
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
    if (in.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(in.size() / 4 * 3);
    for (std::size_t i = 0; i < in.size(); i += 4) {
        unsigned n = 0;
        int pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = in[i + k];
            unsigned v = 0;
            if (c == '=') {
                // Padding only at the end, in the last one or two places.
                if (i + 4 != in.size() || k < 2) return std::nullopt;
                ++pad;
            } else {
                if (pad > 0) return std::nullopt;
                const auto at = alphabet.find(c);
                if (at == std::string_view::npos) return std::nullopt;
                v = static_cast<unsigned>(at);
            }
            n = (n << 6) | v;
        }
        out.push_back(static_cast<char>((n >> 16) & 0xff));
        if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
    }
    return out;
}

std::string grant_request(std::int64_t ttl_seconds) { return json{{"TTL", std::to_string(ttl_seconds)}}.dump(); }

Result<Grant> parse_grant(std::string_view body) {
    return parse<Grant>(body, [](const json& j) -> Result<Grant> {
        Grant g{integer(j, "ID"), integer(j, "TTL")};
        if (g.id == 0) return fail("etcd: the lease grant has no ID");
        return g;
    });
}

std::string lease_id_request(std::int64_t id) { return json{{"ID", std::to_string(id)}}.dump(); }

Result<std::int64_t> parse_keepalive(std::string_view body) {
    return parse<std::int64_t>(body, [](const json& j) -> Result<std::int64_t> {
        // One keep-alive answer, as the gateway streams it: {"result": {"ID": ..., "TTL": ...}}.
        if (!j.contains("result")) return fail("etcd: the keep-alive reply has no result");
        return std::max<std::int64_t>(0, integer(j.at("result"), "TTL"));
    });
}

std::string campaign_request(std::string_view leader_key, std::string_view value, std::int64_t lease,
                             std::string_view state_key) {
    const json put = {{"request_put",
                       {{"key", base64_encode(leader_key)},
                        {"value", base64_encode(value)},
                        {"lease", std::to_string(lease)}}}};
    const json read_state = {{"request_range", {{"key", base64_encode(state_key)}}}};
    const json read_leader = {{"request_range", {{"key", base64_encode(leader_key)}}}};
    return json{{"compare", json::array({compare_create(leader_key, 0)})},
                {"success", json::array({put, read_state})},
                {"failure", json::array({read_leader})}}
        .dump();
}

Result<Campaign> parse_campaign(std::string_view body) {
    return parse<Campaign>(body, [](const json& j) -> Result<Campaign> {
        Campaign c;
        c.won = j.value("succeeded", false);
        const auto responses = j.value("responses", json::array());
        if (c.won) {
            c.revision = integer(j.value("header", json::object()), "revision");
            if (c.revision == 0) return fail("etcd: the campaign reply has no revision");
            if (responses.size() > 1 && responses.at(1).contains("response_range"))
                c.state = first_kv(responses.at(1).at("response_range"));
        } else if (!responses.empty() && responses.at(0).contains("response_range")) {
            c.leader = first_kv(responses.at(0).at("response_range"));
        }
        return c;
    });
}

std::string guarded_put_request(std::string_view leader_key, std::int64_t revision, std::string_view key,
                                std::string_view value) {
    const json put = {{"request_put", {{"key", base64_encode(key)}, {"value", base64_encode(value)}}}};
    return json{{"compare", json::array({compare_create(leader_key, revision)})}, {"success", json::array({put})}}
        .dump();
}

std::string guarded_delete_request(std::string_view leader_key, std::int64_t revision) {
    const json del = {{"request_delete_range", {{"key", base64_encode(leader_key)}}}};
    return json{{"compare", json::array({compare_create(leader_key, revision)})}, {"success", json::array({del})}}
        .dump();
}

Result<bool> parse_txn_succeeded(std::string_view body) {
    return parse<bool>(body, [](const json& j) -> Result<bool> { return j.value("succeeded", false); });
}

std::string range_request(std::string_view key) { return json{{"key", base64_encode(key)}}.dump(); }

Result<std::optional<KeyValue>> parse_range(std::string_view body) {
    return parse<std::optional<KeyValue>>(body,
                                           [](const json& j) -> Result<std::optional<KeyValue>> { return first_kv(j); });
}

std::string encode_leader(const LeaderRecord& r) {
    return json{{"ip", r.ip}, {"port", r.port}, {"pid", r.pid}, {"since", r.since}}.dump();
}

Result<LeaderRecord> parse_leader(std::string_view text) {
    try {
        const auto j = json::parse(text);
        LeaderRecord r;
        r.ip = j.at("ip").get<std::string>();
        const auto& port = j.at("port");
        if (!port.is_number_unsigned() || port.get<std::uint64_t>() > 65535) return fail("the port is not 1-65535");
        r.port = static_cast<std::uint16_t>(port.get<std::uint64_t>());
        r.pid = j.value("pid", std::int64_t{0});
        r.since = j.value("since", std::string());
        if (r.ip.empty() || r.port == 0) return fail("no address");
        return r;
    } catch (const std::exception& e) {
        return fail(fmt::format("not a leader record ({}): '{}'", e.what(), text.substr(0, 200)));
    }
}

}  // namespace mmm::monitor::etcd
