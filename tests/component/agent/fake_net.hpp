// The agent component tests' cluster interface: an in-memory address set with a link state; ARP only counted.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "agent/net/net_adapter.hpp"
#include "journal.hpp"

namespace mmm::agent::test {

class FakeNet final : public NetAdapter {
public:
    FakeNet(Journal& journal, std::set<std::string> ips) : journal_(journal), ips_(std::move(ips)) {}

    Result<std::set<std::string>> list() const override {
        journal_.add(CallKind::Read, "net.list");
        const std::lock_guard lock(mutex_);
        return ips_;
    }
    // What add() added (the real interface labels those), and what a test declares labelled.
    Result<std::set<std::string>> labelled() const override {
        journal_.add(CallKind::Read, "net.labelled");
        const std::lock_guard lock(mutex_);
        return labelled_;
    }
    void add_labelled(const std::string& ip) {
        const std::lock_guard lock(mutex_);
        ips_.insert(ip);
        labelled_.insert(ip);
    }
    Result<bool> link_up() const override {
        journal_.add(CallKind::Read, "net.link_up");
        return true;
    }
    Result<bool> add(const std::string& ip) override {
        journal_.add(CallKind::Change, "net.add " + ip);
        const std::lock_guard lock(mutex_);
        labelled_.insert(ip);
        return ips_.insert(ip).second;
    }
    Result<bool> remove(const std::string& ip) override {
        journal_.add(CallKind::Change, "net.remove " + ip);
        const std::lock_guard lock(mutex_);
        labelled_.erase(ip);
        return ips_.erase(ip) != 0;
    }
    Result<int> announce(const std::string& ip, int rounds) override {
        journal_.add(CallKind::Change, "net.announce " + ip);
        return 2 * rounds;
    }

    bool has(const std::string& ip) const {
        const std::lock_guard lock(mutex_);
        return ips_.count(ip) != 0;
    }

private:
    Journal& journal_;
    mutable std::mutex mutex_;
    std::set<std::string> ips_;
    std::set<std::string> labelled_;
};

}  // namespace mmm::agent::test
