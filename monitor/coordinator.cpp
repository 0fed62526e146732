// Coordinator: leader election and the leader's state on etcd (see coordinator.hpp).
#include "monitor/coordinator.hpp"

#include <algorithm>

#include <asio/post.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <httplib.h>

namespace mmm::monitor {

namespace {
using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds connect_timeout{300};

double ms_between(SteadyTime a, SteadyTime b) { return std::chrono::duration<double, std::milli>(b - a).count(); }
}  // namespace

Coordinator::Coordinator(asio::io_context& io, Logger& log, const Config& config, etcd::LeaderRecord me, Events events)
    : io_(io),
      log_(log),
      config_(config.monitor.coordination),
      prefix_(config.etcd_prefix()),
      me_(std::move(me)),
      events_(std::move(events)),
      lease_(config.monitor.coordination.lease_ttl) {
    for (const auto& url : config_.endpoints)
        if (auto e = parse_etcd_endpoint(url)) endpoints_.push_back(*e);
}

Coordinator::~Coordinator() {
    *alive_ = false;
    stop();
}

void Coordinator::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { run(); });
}

void Coordinator::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::optional<double> Coordinator::paused_seconds() const {
    const auto until = leading_until_.load();
    if (until == 0) return std::nullopt;
    const auto now = Clock::now().time_since_epoch().count();
    if (now < until) return std::nullopt;
    return std::chrono::duration<double>(Clock::duration(now - until)).count();
}

bool Coordinator::leading() const {
    const auto until = leading_until_.load();
    return until != 0 && Clock::now().time_since_epoch().count() < until;
}

void Coordinator::save(std::string status_text) {
    {
        std::lock_guard lock(mutex_);
        pending_save_ = std::move(status_text);
    }
    wake_.notify_all();
}

void Coordinator::abdicate(std::string why) {
    leading_until_ = 0;  // at once, before the thread gets to it
    {
        std::lock_guard lock(mutex_);
        abdicate_ = std::move(why);
    }
    wake_.notify_all();
}

std::optional<etcd::LeaderRecord> Coordinator::leader() const {
    std::lock_guard lock(mutex_);
    return leader_;
}

etcd::LeaderRecord Coordinator::me() const {
    std::lock_guard lock(mutex_);
    return me_;
}

std::string Coordinator::last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

Duration Coordinator::campaign_interval() const {
    // A follower tries a quarter of the TTL after the last try (bounded to 100 ms .. 1 s): leadership passes within
    // about lease_ttl + that after the leader died.
    return std::clamp<Duration>(config_.lease_ttl / 4, std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
}

void Coordinator::record_error(const std::string& text) {
    bool began = false;
    bool ended = false;
    {
        std::lock_guard lock(mutex_);
        began = !text.empty() && last_error_.empty();
        ended = text.empty() && !last_error_.empty();
        last_error_ = text;
    }
    // Once per streak: etcd unreachable (or refusing), then reachable again.
    if (began) post_event([this, text] { log_.warn("etcd: {} (this monitor cannot campaign or renew its lease)", text); });
    if (ended) post_event([this] { log_.info("etcd answers again."); });
}

void Coordinator::post_event(std::function<void()> f) {
    asio::post(io_, [alive = alive_, f = std::move(f)] {
        if (*alive) f();
    });
}

Result<std::string> Coordinator::post(const std::string& path, const std::string& body) {
    if (endpoints_.empty()) return fail("no etcd endpoint");
    std::string errors;
    // The request timeout: a member without quorum holds a request until its own timeout; a third of the TTL lets
    // the leader try another member before its lease runs out.
    const auto read_timeout = std::max<Duration>(config_.lease_ttl / 3, std::chrono::milliseconds(300));
    for (std::size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
        const auto& e = endpoints_[current_];
        if (!client_) {
            const auto host = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
            const auto url = fmt::format("{}://{}:{}", e.tls ? "https" : "http", host, e.port);
            client_ = config_.cert_file.empty()
                          ? std::make_unique<httplib::Client>(url)
                          : std::make_unique<httplib::Client>(url, config_.cert_file, config_.key_file);
            if (e.tls) {
                client_->set_ca_cert_path(config_.ca_file.c_str());
                client_->enable_server_certificate_verification(true);
            }
            client_->set_connection_timeout(connect_timeout);
            client_->set_read_timeout(read_timeout);
            client_->set_write_timeout(read_timeout);
            client_->set_keep_alive(true);
        }
        ++requests_;
        auto res = client_->Post(path.c_str(), body, "application/json");
        if (res && res->status == 200) return res->body;
        const auto why = res ? fmt::format("HTTP {}: {}", res->status, res->body.substr(0, 200))
                             : httplib::to_string(res.error());
        errors += fmt::format("{}{}:{}: {}", errors.empty() ? "" : "; ", e.host, e.port, why);
        // Another member next time: this one may have lost quorum or be cut off.
        client_.reset();
        current_ = (current_ + 1) % endpoints_.size();
    }
    return fail(errors);
}

void Coordinator::run() {
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) break;
        }
        if (lease_.elected()) lead();
        else follow();
    }
    if (lease_.elected()) {
        // Resign: followers need not wait for the lease to run out.
        const auto revision = lease_.revision();
        step_down("");
        (void)post("/v3/kv/txn", etcd::guarded_delete_request(leader_key(), revision));
        (void)post("/v3/lease/revoke", etcd::lease_id_request(lease_id_));
    }
}

void Coordinator::step_down(std::string why) {
    lease_.lost();
    uncertain_since_.reset();
    // Another monitor campaigns next: this one waits two of its intervals, or it could win its own key back at once.
    campaign_after_ = Clock::now() + 2 * campaign_interval();
    leading_until_ = 0;
    lease_id_ = 0;  // a new campaign takes a new lease
    {
        std::lock_guard lock(mutex_);
        pending_save_.reset();
        abdicate_.reset();
    }
    if (!why.empty()) post_event([this, why] { events_.lost(why); });
}

void Coordinator::follow() {
    if (Clock::now() < campaign_after_) {
        std::unique_lock lock(mutex_);
        wake_.wait_until(lock, campaign_after_, [this] { return stopping_; });
        return;
    }
    const auto started = Clock::now();
    // A lease granted more than half a TTL ago may expire right after a win: take a new one.
    if (lease_id_ == 0 || started - lease_granted_ > config_.lease_ttl / 2) {
        const auto sent = Clock::now();
        auto granted = post("/v3/lease/grant",
                            etcd::grant_request(std::chrono::duration_cast<std::chrono::seconds>(config_.lease_ttl).count()));
        auto grant = granted ? etcd::parse_grant(*granted) : Result<etcd::Grant>(granted.error());
        if (!grant) {
            record_error(grant.error().message);
            lease_id_ = 0;
        } else {
            lease_id_ = grant->id;
            lease_granted_ = sent;
        }
    }
    if (lease_id_ != 0) {
        {
            std::lock_guard lock(mutex_);
            me_.since = fmt::format("{:%Y/%m/%d %H:%M:%S}", fmt::localtime(std::time(nullptr)));
            me_text_ = etcd::encode_leader(me_);
        }
        auto reply = post("/v3/kv/txn", etcd::campaign_request(leader_key(), me_text_, lease_id_, state_key()));
        auto campaign = reply ? etcd::parse_campaign(*reply) : Result<etcd::Campaign>(reply.error());
        if (!campaign) {
            record_error(campaign.error().message);
        } else if (campaign->won) {
            lease_.elected(campaign->revision, lease_granted_);
            leading_until_ = lease_.valid_until().time_since_epoch().count();
            {
                std::lock_guard lock(mutex_);
                leader_ = me_;
            }
            record_error("");
            Election e{campaign->revision, campaign->state ? std::optional(campaign->state->value) : std::nullopt,
                       ms_between(started, Clock::now())};
            post_event([this, e] { events_.elected(e); });
            return;
        } else {
            std::optional<etcd::LeaderRecord> who;
            if (campaign->leader)
                if (auto parsed = etcd::parse_leader(campaign->leader->value)) who = *parsed;
            bool changed = false;
            {
                std::lock_guard lock(mutex_);
                changed = leader_ != who;
                leader_ = who;
            }
            record_error("");
            if (changed && who)
                post_event([this, who] {
                    log_.info("This monitor follows: the leading monitor is {}:{} (pid {}, leading since {}).", who->ip,
                              who->port, who->pid, who->since);
                });
        }
    }
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, started + campaign_interval(), [this] { return stopping_; });
}

void Coordinator::lead() {
    std::optional<std::string> save;
    std::optional<std::string> abdicate;
    {
        std::unique_lock lock(mutex_);
        // After a failed renewal the next try waits a little (a refused connection fails at once).
        wake_.wait_until(lock, std::max(lease_.next_renewal(), renewal_failed_ + std::chrono::milliseconds(100)),
                         [this] { return stopping_ || pending_save_.has_value() || abdicate_.has_value(); });
        if (stopping_) return;
        save = std::move(pending_save_);
        pending_save_.reset();
        abdicate = std::move(abdicate_);
        abdicate_.reset();
    }
    if (abdicate) {
        const auto revision = lease_.revision();
        (void)post("/v3/kv/txn", etcd::guarded_delete_request(leader_key(), revision));
        (void)post("/v3/lease/revoke", etcd::lease_id_request(lease_id_));
        step_down(*abdicate);
        return;
    }
    if (save) {
        auto reply = post("/v3/kv/txn", etcd::guarded_put_request(leader_key(), lease_.revision(), state_key(), *save));
        auto applied = reply ? etcd::parse_txn_succeeded(*reply) : Result<bool>(reply.error());
        if (!applied) {
            record_error(applied.error().message);
            // Not written: keep it for the next turn unless a newer state came meanwhile.
            std::lock_guard lock(mutex_);
            if (!pending_save_) pending_save_ = std::move(save);
        } else if (!*applied) {
            step_down(fmt::format("the leader key {} is no longer this monitor's (state not written)", leader_key()));
            return;
        }
    }
    if (Clock::now() >= lease_.next_renewal()) {
        const auto sent = Clock::now();
        auto reply = post("/v3/lease/keepalive", etcd::lease_id_request(lease_id_));
        auto ttl = reply ? etcd::parse_keepalive(*reply) : Result<std::int64_t>(reply.error());
        if (!ttl) {
            record_error(ttl.error().message);
            renewal_failed_ = Clock::now();
        } else if (*ttl == 0) {
            step_down("etcd says the leader lease has expired");
            return;
        } else {
            lease_.renewed(sent, *ttl);
            leading_until_ = lease_.valid_until().time_since_epoch().count();
            record_error("");
        }
    }
    // Not renewed in time: the lease may have expired in etcd. The leader acts no more (leading() is false) but keeps
    // trying: a renewal that etcd answers with a TTL proves the lease and so the leader key never went away (etcd
    // also extends every lease when its own leader changes), and this monitor goes on; an answer without a TTL ends
    // its leadership. Unreachable, it stays paused: nobody else can be elected without etcd either.
    const bool certain = lease_.leading(Clock::now());
    if (!certain && !uncertain_since_) {
        uncertain_since_ = Clock::now();
        post_event([this, error = last_error()] {
            log_.error("The leader lease was not renewed within its {} s ({}): this monitor decides and sends nothing "
                       "until etcd renews it or ends it.",
                       format_duration(config_.lease_ttl), error);
        });
    } else if (certain && uncertain_since_) {
        const auto paused = ms_between(*uncertain_since_, Clock::now());
        uncertain_since_.reset();
        post_event([this, paused] {
            log_.info("etcd renewed the leader lease: this monitor leads on (it decided nothing for {:.0f} ms).",
                      paused);
        });
    }
}

}  // namespace mmm::monitor
