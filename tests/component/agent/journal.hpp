// The agent component tests' record of every call the fakes received, in order, across both adapters.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mmm::agent::test {

enum class CallKind { Read, Change };  // a look at the host, or a step that changes it

// Thread-safe: the fakes write from the agent's pool threads, the test reads on its own.
class Journal {
public:
    void add(CallKind kind, std::string call) {
        const std::lock_guard lock(mutex_);
        calls_.push_back({kind, std::move(call)});
    }
    // Every call so far ("db.state", "net.add 192.0.2.50", ...).
    std::vector<std::string> all() const { return select(false); }
    // The calls that change the host, in order.
    std::vector<std::string> changes() const { return select(true); }
    std::size_t size() const {
        const std::lock_guard lock(mutex_);
        return calls_.size();
    }
    std::size_t count(std::string_view call) const {
        const auto a = all();
        return static_cast<std::size_t>(std::count(a.begin(), a.end(), call));
    }

private:
    struct Call {
        CallKind kind;
        std::string text;
    };
    std::vector<std::string> select(bool changes_only) const {
        const std::lock_guard lock(mutex_);
        std::vector<std::string> out;
        for (const auto& c : calls_)
            if (!changes_only || c.kind == CallKind::Change) out.push_back(c.text);
        return out;
    }
    mutable std::mutex mutex_;
    std::vector<Call> calls_;
};

}  // namespace mmm::agent::test
