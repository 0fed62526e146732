// Benchmark: MonitorService with many host entries (pointed at a few real servers), idle; prints CPU and RSS.
// Run inside the sandbox's mon namespace, e.g.:
//   ip netns exec it-monitor-mon build/tests/mmm_bench_monitor_daemon_scale --hosts 1000 --seconds 30
// Hosts get ping and mysql checks every --period seconds (rep_threads/rep_backlog every hour), agents on a
// closed port (refused at once), status and log files in /tmp. With --scrapes N (default 20) a second thread fetches
// /metrics and /api/status N times each from the HTTP endpoint during the window and prints their sizes and
// latencies (so the window's CPU includes them).
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include <asio/io_context.hpp>
#include <fmt/format.h>

#include "monitor/service.hpp"

namespace {

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long status_kb(const std::string& key) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
    }
    return -1;
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        out.push_back(text.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

mmm::Config bench_config(int hosts, const std::vector<std::string>& ips, double period) {
    using namespace std::chrono_literals;
    mmm::Config c;
    const auto pid = std::to_string(::getpid());
    c.monitor.ip = "127.0.0.1";
    c.monitor.port = 0;
    c.monitor.status_path = "/tmp/mmm-bench-" + pid + ".status";
    c.monitor.pid_path = "/tmp/mmm-bench-" + pid + ".pid";
    c.monitor.log_path = "/tmp/mmm-bench-" + pid + ".log";
    c.monitor.agent_timeout = 500ms;
    c.monitor.http.listen = "127.0.0.1:0";  // any free port
    const mmm::Duration p{static_cast<long>(period * 1000)};
    for (auto kind : mmm::all_check_kinds) {
        auto& check = c.check(kind);
        check.check_period = kind == mmm::CheckKind::Ping || kind == mmm::CheckKind::Mysql ? p : mmm::Duration(3600s);
        check.trap_period = 2s;
        check.timeout = 800ms;
    }
    for (int i = 0; i < hosts; ++i) {
        mmm::HostConfig h;
        h.name = fmt::format("h{:04}", i + 1);
        h.ip = ips[static_cast<std::size_t>(i) % ips.size()];
        h.mode = i < 2 ? mmm::HostMode::Master : mmm::HostMode::Slave;
        if (i < 2) h.peer = fmt::format("h{:04}", 2 - i);
        h.agent_port = 1;  // nothing listens: refused at once
        h.monitor_user = "mmm_monitor";
        h.monitor_password = "monitor_pw";
        c.hosts.push_back(h);
    }
    c.roles.push_back({"writer", mmm::RoleMode::Exclusive, {"h0001", "h0002"}, {"192.0.2.50"}, ""});
    c.roles.push_back({"reader", mmm::RoleMode::Balanced, {"h0001", "h0002", "h0003"},
                       {"192.0.2.51", "192.0.2.52", "192.0.2.53"}, ""});
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    int hosts = 1000;
    double seconds = 30;
    double period = 1;
    double warmup = 10;
    int scrapes = 20;
    std::string ips = "192.0.2.11,192.0.2.12,192.0.2.13";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const std::string value = argv[i + 1];
        if (key == "--hosts") hosts = std::stoi(value);
        else if (key == "--seconds") seconds = std::stod(value);
        else if (key == "--period") period = std::stod(value);
        else if (key == "--warmup") warmup = std::stod(value);
        else if (key == "--ips") ips = value;
        else if (key == "--scrapes") scrapes = std::stoi(value);
        else {
            fmt::print(stderr, "unknown option {}\n", key);
            return 2;
        }
    }
    const auto config = bench_config(hosts, split(ips), period);
    mmm::Logger log;
    if (auto e = log.open(config.monitor.log_path, mmm::LogToStderr::No); !e.empty()) {
        fmt::print(stderr, "{}\n", e);
        return 1;
    }
    asio::io_context io(1);
    mmm::monitor::MonitorService service(io, log, config);
    service.start();
    io.run_for(std::chrono::milliseconds(static_cast<long>(warmup * 1000)));
    const auto samples0 = service.metrics().samples;
    const auto cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    // Scrapes from another thread while the loop runs (the endpoint computes each answer on the loop).
    std::string scrape_report;
    std::thread scraper([&] {
        if (scrapes <= 0 || service.http_port() == 0) return;
        httplib::Client client("127.0.0.1", service.http_port());
        client.set_read_timeout(10, 0);
        for (const std::string path : {"/metrics", "/api/status"}) {
            std::vector<double> ms;
            std::size_t bytes = 0;
            for (int i = 0; i < scrapes; ++i) {
                const auto s0 = std::chrono::steady_clock::now();
                const auto r = client.Get(path);
                ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count());
                if (r && r->status == 200) bytes = r->body.size();
            }
            std::sort(ms.begin(), ms.end());
            scrape_report += fmt::format("GET {}: {} bytes, {} scrapes, latency min/median/max {:.1f}/{:.1f}/{:.1f} ms\n",
                                         path, bytes, scrapes, ms.front(), ms[ms.size() / 2], ms.back());
        }
    });
    io.run_for(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
    scraper.join();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const auto samples = service.metrics().samples - samples0;
    fmt::print("hosts={} period={}s window={:.1f}s samples={} ({:.0f}/s, expected ~{:.0f}/s) cpu={:.1f}% of one core "
               "rss={:.1f} MB peak_rss={:.1f} MB\n",
               hosts, period, wall, samples, static_cast<double>(samples) / wall, 2.0 * hosts / period,
               100.0 * cpu / wall, static_cast<double>(status_kb("VmRSS")) / 1024.0,
               static_cast<double>(status_kb("VmHWM")) / 1024.0);
    fmt::print("{}", scrape_report);
    bool stopped = false;
    service.stop([&] { stopped = true; });
    while (!stopped) io.run_one_for(std::chrono::milliseconds(100));
    ::unlink(config.monitor.status_path.c_str());
    return 0;
}
