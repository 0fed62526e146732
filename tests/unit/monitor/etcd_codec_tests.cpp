// The etcd v3 JSON gateway codec (issue 14): base64, the request bodies as etcd reads them, and the parsing of replies
// captured from a real etcd 3.4.23 (Debian's etcd-server) answering exactly these request bodies.
#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "monitor/core/etcd_codec.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::etcd;
using json = nlohmann::json;
using namespace std::string_literals;

namespace captured {

// Replies of etcd 3.4.23 (single member on 127.0.0.1), each to the body the codec made for it, in this order:
// two leases granted (TTL 30), a campaign for /mmm/capture/leader won with lease A, one lost with lease B, guarded
// writes, ranges, keep-alives, resignation, a campaign won over a stored state, and the failures.
constexpr const char* grant_a =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"1","raft_term":"2"},"ID":"857269677104378121","TTL":"30"})";
// POST /v3/lease/grant {"TTL":"1"}: etcd raises it to its minimum lease TTL (2 s with the default election timeout).
constexpr const char* grant_ttl_1 =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"5","raft_term":"2"},"ID":"857269677104378139","TTL":"2"})";
constexpr const char* campaign_won_no_state =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"2","raft_term":"2"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"2"}}},{"response_range":{"header":{"revision":"2"}}}]})";
constexpr const char* campaign_lost =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"2","raft_term":"2"},"responses":[{"response_range":{"header":{"revision":"2"},"kvs":[{"key":"L21tbS9jYXB0dXJlL2xlYWRlcg==","create_revision":"2","mod_revision":"2","version":"1","value":"eyJpcCI6IjE5Mi4wLjIuMSIsInBvcnQiOjk5ODgsInBpZCI6MTIzNCwic2luY2UiOiIyMDI2LzAxLzAyIDAzOjA0OjA1In0=","lease":"857269677104378121"}],"count":"1"}}]})";
constexpr const char* guarded_put_ok =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"3","raft_term":"2"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"3"}}}]})";
// A failed comparison: "succeeded" (false) and the empty failure responses are left out.
constexpr const char* guarded_put_failed =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"3","raft_term":"2"}})";
constexpr const char* range_present =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"3","raft_term":"2"},"kvs":[{"key":"L21tbS9jYXB0dXJlL2xlYWRlcg==","create_revision":"2","mod_revision":"2","version":"1","value":"eyJpcCI6IjE5Mi4wLjIuMSIsInBvcnQiOjk5ODgsInBpZCI6MTIzNCwic2luY2UiOiIyMDI2LzAxLzAyIDAzOjA0OjA1In0=","lease":"857269677104378121"}],"count":"1"})";
constexpr const char* range_absent =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"3","raft_term":"2"}})";
// A key and value with NUL and 0xff bytes (put as "AP8=" = "\0\xff", "AAEC/w==" = "\0\1\2\xff").
constexpr const char* range_binary =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"6","raft_term":"2"},"kvs":[{"key":"AP8=","create_revision":"6","mod_revision":"6","version":"1","value":"AAEC/w=="}],"count":"1"})";
constexpr const char* keepalive_alive =
    R"({"result":{"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"3","raft_term":"2"},"ID":"857269677104378121","TTL":"30"}})";
// A lease granted with TTL 2, 4 s later: the TTL (0) is left out.
constexpr const char* keepalive_expired =
    R"({"result":{"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"5","raft_term":"2"},"ID":"857269677104378136"}})";
constexpr const char* keepalive_revoked =
    R"({"result":{"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"5","raft_term":"2"},"ID":"857269677104378121"}})";
constexpr const char* keepalive_unknown =
    R"({"result":{"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"5","raft_term":"2"},"ID":"12345"}})";
constexpr const char* guarded_delete_failed =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"3","raft_term":"2"}})";
constexpr const char* guarded_delete_ok =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"4","raft_term":"2"},"succeeded":true,"responses":[{"response_delete_range":{"header":{"revision":"4"},"deleted":"1"}}]})";
constexpr const char* revoke_reply =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"4","raft_term":"2"}})";
// After the first leader resigned, lease B's campaign wins and reads the state the first leader stored.
constexpr const char* campaign_won_with_state =
    R"({"header":{"cluster_id":"9027280647649978160","member_id":"5118100625474423781","revision":"5","raft_term":"2"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"5"}}},{"response_range":{"header":{"revision":"5"},"kvs":[{"key":"L21tbS9jYXB0dXJlL3N0YXR1cw==","create_revision":"3","mod_revision":"3","version":"1","value":"IyBtbW0tc3RhdHVzIDMgbW9kZT1BQ1RJVkUgZXBvY2g9Nw=="}],"count":"1"}}]})";
// Errors (HTTP 404 and 400): a campaign under a lease that does not exist; a truncated body; an empty key.
constexpr const char* error_lease_not_found =
    R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})";
constexpr const char* error_bad_json = R"({"error":"unexpected EOF","message":"unexpected EOF","code":3})";
constexpr const char* error_no_key =
    R"({"error":"etcdserver: key is not provided","message":"etcdserver: key is not provided","code":3})";
// An unknown gateway path: not JSON at all.
constexpr const char* not_found_body = "Not Found";

const std::string leader_text = R"({"ip":"192.0.2.1","port":9988,"pid":1234,"since":"2026/01/02 03:04:05"})";

}  // namespace captured

namespace {
std::string b64(const std::string& s) { return base64_encode(s); }
}  // namespace

TEST_CASE("etcd base64: RFC 4648 vectors", "[monitor][etcd]") {
    const std::pair<std::string, std::string> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        INFO(plain);
        CHECK(base64_encode(plain) == encoded);
        REQUIRE(base64_decode(encoded));
        CHECK(*base64_decode(encoded) == plain);
    }
    // The alphabet's last two characters are '+' and '/' (not the URL-safe '-' and '_').
    CHECK(base64_encode("\xfb\xff") == "+/8=");
    CHECK(*base64_decode("+/8=") == "\xfb\xff");
}

TEST_CASE("etcd base64: round trips of every length and of binary bytes", "[monitor][etcd]") {
    for (const std::string& s : {""s, "a"s, "ab"s, "abc"s, "abcd"s, "abcde"s, "/mmm/default/leader"s}) {
        INFO(s);
        const auto e = base64_encode(s);
        CHECK(e.size() % 4 == 0);
        REQUIRE(base64_decode(e));
        CHECK(*base64_decode(e) == s);
    }
    const std::string binary = "\0\xff\0\x01\x80\x7f\xfe"s;
    REQUIRE(binary.size() == 7);
    for (std::size_t n = 0; n <= binary.size(); ++n) {
        const auto part = binary.substr(0, n);
        INFO(n);
        REQUIRE(base64_decode(base64_encode(part)));
        CHECK(*base64_decode(base64_encode(part)) == part);
    }
    CHECK(base64_encode("\0"s) == "AA==");
    CHECK(base64_encode("\xff\xff\xff") == "////");
    CHECK(*base64_decode("AAEC/w==") == "\0\1\2\xff"s);
    // Every byte value survives.
    std::string all;
    for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
    REQUIRE(base64_decode(base64_encode(all)));
    CHECK(*base64_decode(base64_encode(all)) == all);
}

TEST_CASE("etcd base64: malformed text is refused", "[monitor][etcd]") {
    for (const char* bad : {"Z", "Zg", "Zg=", "Zm9vY", "Zm9vYmFy=",  // length not a multiple of 4
                            "Zm9*", "Zm 9", "Zm9\n", "Zm-_", "Zm.v",    // a character outside the alphabet
                            "Zg==Zm8=", "Z=9v", "Zm=v", "=Zm9", "====", "Z===",  // '=' not at the end
                            "Zm9v===="}) {
        INFO(bad);
        CHECK_FALSE(base64_decode(bad));
    }
    CHECK_FALSE(base64_decode("Zm\0v"s));  // with the NUL inside the view
}

TEST_CASE("etcd requests: grant, keep-alive, revoke and range bodies", "[monitor][etcd]") {
    // The gateway reads int64 fields from strings (it also takes numbers; strings keep 64-bit IDs exact).
    CHECK(json::parse(grant_request(2)) == json{{"TTL", "2"}});
    CHECK(json::parse(grant_request(300)) == json{{"TTL", "300"}});
    CHECK(json::parse(lease_id_request(857269677104378121)) == json{{"ID", "857269677104378121"}});
    CHECK(json::parse(lease_id_request(std::numeric_limits<std::int64_t>::max())) ==
          json{{"ID", "9223372036854775807"}});
    CHECK(json::parse(range_request("/mmm/capture/leader")) == json{{"key", "L21tbS9jYXB0dXJlL2xlYWRlcg=="}});
    // A key with any bytes.
    CHECK(*base64_decode(json::parse(range_request("\0\xff"s)).at("key").get<std::string>()) == "\0\xff"s);
}

TEST_CASE("etcd requests: the campaign transaction", "[monitor][etcd]") {
    const auto j = json::parse(campaign_request("/p/leader", captured::leader_text, 857269677104378121, "/p/status"));
    REQUIRE(j.is_object());
    CHECK(j.size() == 3);
    // If the leader key was never created (create_revision 0: it does not exist) ...
    REQUIRE(j.at("compare").size() == 1);
    const auto& cmp = j.at("compare").at(0);
    CHECK(cmp == json{{"key", b64("/p/leader")}, {"result", "EQUAL"}, {"target", "CREATE"}, {"create_revision", "0"}});
    // ... put it under the lease and read the state ...
    REQUIRE(j.at("success").size() == 2);
    CHECK(j.at("success").at(0) == json{{"request_put",
                                          {{"key", b64("/p/leader")},
                                           {"value", b64(captured::leader_text)},
                                           {"lease", "857269677104378121"}}}});
    CHECK(j.at("success").at(1) == json{{"request_range", {{"key", b64("/p/status")}}}});
    // ... else read who leads.
    REQUIRE(j.at("failure").size() == 1);
    CHECK(j.at("failure").at(0) == json{{"request_range", {{"key", b64("/p/leader")}}}});
}

TEST_CASE("etcd requests: the guarded put and delete compare the leader key's create_revision", "[monitor][etcd]") {
    const json compare = {
        {"key", b64("/p/leader")}, {"result", "EQUAL"}, {"target", "CREATE"}, {"create_revision", "42"}};
    const std::string state = "# mmm-status 3\n\0x"s;
    const auto put = json::parse(guarded_put_request("/p/leader", 42, "/p/status", state));
    CHECK(put == json{{"compare", json::array({compare})},
                      {"success", {{{"request_put", {{"key", b64("/p/status")}, {"value", b64(state)}}}}}}});
    // The state is not put under the lease: it outlives its leader.
    CHECK_FALSE(put.at("success").at(0).at("request_put").contains("lease"));
    CHECK_FALSE(put.contains("failure"));

    const auto del = json::parse(guarded_delete_request("/p/leader", 42));
    CHECK(del == json{{"compare", json::array({compare})},
                      {"success", {{{"request_delete_range", {{"key", b64("/p/leader")}}}}}}});
}

TEST_CASE("etcd replies: lease grant", "[monitor][etcd]") {
    const auto g = parse_grant(captured::grant_a);
    REQUIRE(g);
    CHECK(g->id == 857269677104378121);
    CHECK(g->ttl == 30);
    const auto one = parse_grant(captured::grant_ttl_1);
    REQUIRE(one);
    CHECK(one->ttl == 2);  // etcd's minimum, whatever was asked
    // Numbers instead of strings are read too.
    const auto numeric = parse_grant(R"({"ID":7,"TTL":3})");
    REQUIRE(numeric);
    CHECK(numeric->id == 7);
    CHECK(numeric->ttl == 3);
    // No ID (a reply to something else), an error, malformed IDs.
    CHECK_FALSE(parse_grant(captured::revoke_reply));
    CHECK_FALSE(parse_grant(captured::error_lease_not_found));
    CHECK_FALSE(parse_grant(R"({"ID":"12x","TTL":"2"})"));
    CHECK_FALSE(parse_grant(R"({"ID":"","TTL":"2"})"));
    CHECK_FALSE(parse_grant(R"({"ID":true,"TTL":"2"})"));
    CHECK_FALSE(parse_grant(R"({"ID":"99999999999999999999","TTL":"2"})"));  // past int64
    CHECK_FALSE(parse_grant(captured::not_found_body));
    CHECK_FALSE(parse_grant(""));
    CHECK_FALSE(parse_grant("[1,2]"));
}

TEST_CASE("etcd replies: keep-alive alive, expired, revoked and unknown", "[monitor][etcd]") {
    const auto alive = parse_keepalive(captured::keepalive_alive);
    REQUIRE(alive);
    CHECK(*alive == 30);
    for (const char* gone : {captured::keepalive_expired, captured::keepalive_revoked, captured::keepalive_unknown}) {
        INFO(gone);
        const auto ttl = parse_keepalive(gone);
        REQUIRE(ttl);
        CHECK(*ttl == 0);  // the leadership is lost
    }
    CHECK(*parse_keepalive(R"({"result":{"ID":"1","TTL":"-1"}})") == 0);  // never negative
    // Not a keep-alive answer: an error, not "expired".
    CHECK_FALSE(parse_keepalive(captured::revoke_reply));
    CHECK_FALSE(parse_keepalive(captured::error_lease_not_found));
    CHECK_FALSE(parse_keepalive(captured::not_found_body));
    CHECK_FALSE(parse_keepalive(R"({"result":{"ID":"1","TTL":"soon"}})"));
}

TEST_CASE("etcd replies: campaign won (with and without a stored state) and lost", "[monitor][etcd]") {
    SECTION("won, nothing stored yet") {
        const auto c = parse_campaign(captured::campaign_won_no_state);
        REQUIRE(c);
        CHECK(c->won);
        CHECK(c->revision == 2);  // the leader key's create_revision (the put's revision)
        CHECK_FALSE(c->state);
        CHECK_FALSE(c->leader);
    }
    SECTION("won over the state an earlier leader stored") {
        const auto c = parse_campaign(captured::campaign_won_with_state);
        REQUIRE(c);
        CHECK(c->won);
        CHECK(c->revision == 5);
        REQUIRE(c->state);
        CHECK(c->state->key == "/mmm/capture/status");
        CHECK(c->state->value == "# mmm-status 3 mode=ACTIVE epoch=7");
        CHECK(c->state->create_revision == 3);
        CHECK(c->state->mod_revision == 3);
        CHECK(c->state->lease == 0);
        CHECK_FALSE(c->leader);
    }
    SECTION("lost: the leader's record") {
        const auto c = parse_campaign(captured::campaign_lost);
        REQUIRE(c);
        CHECK_FALSE(c->won);
        CHECK(c->revision == 0);
        CHECK_FALSE(c->state);
        REQUIRE(c->leader);
        CHECK(c->leader->key == "/mmm/capture/leader");
        CHECK(c->leader->value == captured::leader_text);
        CHECK(c->leader->create_revision == 2);
        CHECK(c->leader->lease == 857269677104378121);
        const auto who = parse_leader(c->leader->value);
        REQUIRE(who);
        CHECK(*who == LeaderRecord{"192.0.2.1", 9988, 1234, "2026/01/02 03:04:05"});
    }
    SECTION("lost, the key gone in between (an empty range)") {
        const auto c = parse_campaign(
            R"({"header":{"revision":"9"},"responses":[{"response_range":{"header":{"revision":"9"}}}]})");
        REQUIRE(c);
        CHECK_FALSE(c->won);
        CHECK_FALSE(c->leader);
    }
    SECTION("errors") {
        const auto e = parse_campaign(captured::error_lease_not_found);
        REQUIRE_FALSE(e);
        CHECK(e.error().message.find("etcdserver: requested lease not found") != std::string::npos);
        CHECK_FALSE(parse_campaign(captured::error_bad_json));
        CHECK_FALSE(parse_campaign(captured::not_found_body));
        CHECK_FALSE(parse_campaign(R"({"succeeded":true,"responses":[]})"));  // won without a revision
        // A stored value that is not base64.
        CHECK_FALSE(parse_campaign(
            R"({"header":{"revision":"5"},"succeeded":true,"responses":[{"response_put":{}},{"response_range":{"kvs":[{"key":"!!!","value":"AA=="}]}}]})"));
    }
}

TEST_CASE("etcd replies: guarded transactions applied or not", "[monitor][etcd]") {
    const auto ok = parse_txn_succeeded(captured::guarded_put_ok);
    REQUIRE(ok);
    CHECK(*ok);
    const auto refused = parse_txn_succeeded(captured::guarded_put_failed);
    REQUIRE(refused);
    CHECK_FALSE(*refused);
    const auto deleted = parse_txn_succeeded(captured::guarded_delete_ok);
    REQUIRE(deleted);
    CHECK(*deleted);
    const auto not_deleted = parse_txn_succeeded(captured::guarded_delete_failed);
    REQUIRE(not_deleted);
    CHECK_FALSE(*not_deleted);
    // An error is neither.
    CHECK_FALSE(parse_txn_succeeded(captured::error_lease_not_found));
    CHECK_FALSE(parse_txn_succeeded(captured::error_bad_json));
    CHECK_FALSE(parse_txn_succeeded(captured::not_found_body));
    CHECK_FALSE(parse_txn_succeeded(""));
}

TEST_CASE("etcd replies: range present, absent, binary, and errors", "[monitor][etcd]") {
    const auto present = parse_range(captured::range_present);
    REQUIRE(present);
    REQUIRE(*present);
    CHECK((*present)->key == "/mmm/capture/leader");
    CHECK((*present)->value == captured::leader_text);
    CHECK((*present)->create_revision == 2);
    CHECK((*present)->mod_revision == 2);
    CHECK((*present)->lease == 857269677104378121);

    const auto absent = parse_range(captured::range_absent);
    REQUIRE(absent);
    CHECK_FALSE(*absent);

    const auto binary = parse_range(captured::range_binary);
    REQUIRE(binary);
    REQUIRE(*binary);
    CHECK((*binary)->key == "\0\xff"s);
    CHECK((*binary)->value == "\0\1\2\xff"s);

    for (const char* error : {captured::error_no_key, captured::error_bad_json, captured::error_lease_not_found}) {
        INFO(error);
        const auto r = parse_range(error);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.rfind("etcd: ", 0) == 0);
    }
    CHECK(parse_range(captured::error_no_key).error().message == "etcd: etcdserver: key is not provided");
    CHECK_FALSE(parse_range(captured::not_found_body));
    CHECK_FALSE(parse_range(R"({"kvs":[{"key":"L21t","value":"*"}]})"));                  // value not base64
    CHECK_FALSE(parse_range(R"({"kvs":[{"key":"L21t","create_revision":"two"}]})"));      // revision not a number
    CHECK_FALSE(parse_range(R"({"kvs":[{"key":"L21t","mod_revision":"3 "}]})"));          // trailing garbage
    CHECK_FALSE(parse_range(R"({"kvs":[{"key":7}]})"));                                   // key not a string
    CHECK_FALSE(parse_range("null"));
}

TEST_CASE("etcd leader record: round trip and malformed records", "[monitor][etcd]") {
    const LeaderRecord r{"192.0.2.1", 9988, 1234, "2026/01/02 03:04:05"};
    const auto text = encode_leader(r);
    CHECK(json::parse(text) == json::parse(captured::leader_text));
    const auto back = parse_leader(text);
    REQUIRE(back);
    CHECK(*back == r);
    const LeaderRecord v6{"2001:db8::1", 65535, 0, ""};
    REQUIRE(parse_leader(encode_leader(v6)));
    CHECK(*parse_leader(encode_leader(v6)) == v6);
    // pid and since are optional; unknown fields are ignored (a newer monitor may add some).
    const auto minimal = parse_leader(R"({"ip":"10.0.0.1","port":1,"extra":true})");
    REQUIRE(minimal);
    CHECK(*minimal == LeaderRecord{"10.0.0.1", 1, 0, ""});

    for (const char* bad : {"", "not json", "[]", "null", R"({"port":9988})", R"({"ip":"10.0.0.1"})",
                            R"({"ip":"","port":9988})", R"({"ip":"10.0.0.1","port":0})",
                            R"({"ip":"10.0.0.1","port":"9988"})", R"({"ip":5,"port":9988})",
                            R"({"ip":"10.0.0.1","port":9988,"pid":"x"})"}) {
        INFO(bad);
        CHECK_FALSE(parse_leader(bad));
    }
    CHECK(parse_leader("").error().message.rfind("not a leader record", 0) == 0);
}

TEST_CASE("etcd leader record: a port out of range is refused, not wrapped", "[monitor][etcd]") {
    // nlohmann's get<std::uint16_t>() casts: 70000 would become 4464 and -1 65535, another monitor's address.
    for (const char* bad : {R"({"ip":"10.0.0.1","port":70000})", R"({"ip":"10.0.0.1","port":-1})",
                            R"({"ip":"10.0.0.1","port":65536})", R"({"ip":"10.0.0.1","port":9988.5})"}) {
        INFO(bad);
        const auto r = parse_leader(bad);
        CHECK((r ? "parsed as port " + std::to_string(r->port) : "refused") == "refused");
    }
}

TEST_CASE("etcd epochs: each leader's epochs lie above every earlier leader's", "[monitor][etcd]") {
    static_assert(epoch_floor(1) == (std::uint64_t{1} << 32));
    CHECK(epoch_floor(0) == 0);
    CHECK(epoch_floor(2) == 2 * epoch_floor(1));
    for (std::int64_t rev : {1, 2, 5, 1000, 1'000'000'000, 2'147'483'647}) {
        INFO(rev);
        // A leader takes fewer than 2^32 epochs: its last one is still below the next revision's first.
        CHECK(epoch_floor(rev) + 0xffffffffULL < epoch_floor(rev + 1));
        CHECK(epoch_floor(rev) < epoch_floor(rev + 1));
    }
    // Above any epoch a single monitor reached before (the status file counts up from 1).
    CHECK(epoch_floor(1) > 1'000'000'000ULL);
}
