// Benchmark: planned writer moves between db1 and db2 through the agents' protocol, in the sandbox.
// Measures, per move, the new writer's SET_STATUS round trip (the reply comes after read_only=0, the IP and the
// first gratuitous ARP burst) and reads the agent's own "writable N ms and first gratuitous ARP M ms after
// SET_STATUS" log line; then the agents' RSS and CPU while idle. Prints medians.
//
// Run inside the monitor namespace of a sandbox whose agents are running:
//   ip netns exec it-agent-mon build/tests/mmm_bench_agent_failover --dir /var/tmp/mmm-sandbox-it-agent
//       --rounds 20 --pids PID1,PID2,PID3 --idle 10   (one command line)
#include <asio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/protocol/agent_protocol.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using mmm::protocol::RoleIp;

struct Host {
    std::string name;
    std::string ip;
};

std::string call(const Host& h, const std::string& line) {
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    s.connect({asio::ip::make_address(h.ip), 9989});
    asio::write(s, asio::buffer(line));
    std::string buf;
    asio::read_until(s, asio::dynamic_buffer(buf), '\n');
    return mmm::protocol::parse_reply(buf.substr(0, buf.find('\n'))).result;
}

double median(std::vector<double> v) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The last "Writer role taken" numbers in an agent log.
bool last_agent_timing(const std::string& log, double& writable, double& garp) {
    std::ifstream in(log);
    static const std::string a = "writable ";
    static const std::string b = " ms and first gratuitous ARP ";
    std::string line;
    bool found = false;
    while (std::getline(in, line)) {
        const auto pa = line.find(a);
        const auto pb = line.find(b);
        if (pa == std::string::npos || pb == std::string::npos) continue;
        writable = std::stod(line.substr(pa + a.size()));
        garp = std::stod(line.substr(pb + b.size()));
        found = true;
    }
    return found;
}

struct ProcSample {
    double cpu_seconds = 0;
    long rss_kb = 0;
};

ProcSample sample(int pid) {
    ProcSample s;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    const auto close = text.rfind(')');
    if (close != std::string::npos) {
        std::istringstream rest(text.substr(close + 2));
        std::vector<std::string> f;
        for (std::string x; rest >> x;) f.push_back(x);
        if (f.size() > 13) s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stol(line.substr(6));
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir = "/var/tmp/mmm-sandbox-it-agent";
    int rounds = 20;
    int idle = 10;
    std::vector<int> pids;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        const std::string v = argv[i + 1];
        if (k == "--dir") dir = v;
        else if (k == "--rounds") rounds = std::stoi(v);
        else if (k == "--idle") idle = std::stoi(v);
        else if (k == "--pids") {
            std::istringstream in(v);
            for (std::string p; std::getline(in, p, ',');) pids.push_back(std::stoi(p));
        }
    }
    const Host db1{"db1", "192.0.2.11"}, db2{"db2", "192.0.2.12"}, db3{"db3", "192.0.2.13"};
    const RoleIp writer{"writer", "192.0.2.50"};
    auto set = [](const Host& h, std::vector<RoleIp> roles, const std::string& master) {
        return call(h, mmm::protocol::encode_set_status(h.name, "ONLINE", roles, master));
    };
    try {
        set(db2, {{"reader", "192.0.2.52"}}, "db1");
        set(db3, {{"reader", "192.0.2.53"}}, "db1");
        set(db1, {writer, {"reader", "192.0.2.51"}}, "db1");
        std::vector<double> round_trip, agent_writable, agent_garp, move_total;
        const Host* from = &db1;
        const Host* to = &db2;
        for (int i = 0; i < rounds; ++i) {
            const RoleIp from_reader{"reader", from == &db1 ? "192.0.2.51" : "192.0.2.52"};
            const RoleIp to_reader{"reader", to == &db1 ? "192.0.2.51" : "192.0.2.52"};
            const auto t0 = Clock::now();
            const auto r1 = set(*from, {from_reader}, to->name);
            const auto r2 = set(db3, {{"reader", "192.0.2.53"}}, to->name);
            const auto t1 = Clock::now();
            const auto r3 = set(*to, {writer, to_reader}, to->name);
            const auto t2 = Clock::now();
            if (r1.rfind("OK", 0) != 0 || r2.rfind("OK", 0) != 0 || r3.rfind("OK", 0) != 0) {
                std::cerr << "round " << i << ": " << r1 << " / " << r2 << " / " << r3 << "\n";
                return 1;
            }
            round_trip.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
            move_total.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
            double w = 0, g = 0;
            if (last_agent_timing(dir + "/" + to->name + "/mmm_agentd.log", w, g)) {
                agent_writable.push_back(w);
                agent_garp.push_back(g);
            }
            std::swap(from, to);
        }
        std::printf("writer moves: %d\n", rounds);
        std::printf("new writer SET_STATUS round trip (writable + IP + first GARP done): median %.1f ms, max %.1f ms\n",
                    median(round_trip), *std::max_element(round_trip.begin(), round_trip.end()));
        std::printf("agent-measured SET_STATUS -> writable: median %.1f ms; -> first GARP sent: median %.1f ms\n",
                    median(agent_writable), median(agent_garp));
        std::printf("whole planned move (old writer denied, replica repointed, new writer ready): median %.1f ms\n",
                    median(move_total));
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << " (run inside the sandbox's mon namespace with the agents running)\n";
        return 1;
    }
    if (!pids.empty()) {
        std::vector<ProcSample> before;
        for (int p : pids) before.push_back(sample(p));
        std::this_thread::sleep_for(std::chrono::seconds(idle));
        for (std::size_t i = 0; i < pids.size(); ++i) {
            const auto after = sample(pids[i]);
            std::printf("agent pid %d: RSS %ld kB, idle CPU %.3f %% of one core over %d s\n", pids[i], after.rss_kb,
                        100.0 * (after.cpu_seconds - before[i].cpu_seconds) / idle, idle);
        }
    }
    return 0;
}
