// Component tests of the monitor's HTTP endpoint: a real listener on 127.0.0.1 (any free port), cpp-httplib's client,
// the monitor side played by lambdas on an io_context thread.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <httplib.h>

#include "monitor/http_endpoint.hpp"
#include "monitor/status_page.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;

namespace {

const std::string token = "0123456789abcdef-token";

struct Rig {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::thread loop{[this] { io.run(); }};
    Logger log;
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("mmm-http-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::vector<std::string> commands;  // seen on the loop thread, read after join
    std::unique_ptr<HttpEndpoint> endpoint;

    static std::atomic<int>& counter() {
        static std::atomic<int> n{0};
        return n;
    }
    std::string write_token(mode_t mode) {
        std::filesystem::create_directories(dir);
        const auto path = (dir / "token").string();
        std::ofstream(path) << token << "\n";
        ::chmod(path.c_str(), mode);
        return path;
    }
    Result<void> start(HttpConfig config) {
        log.open("", LogToStderr::No);
        HttpApi api;
        api.metrics = [] { return std::string("mmm_writer_holders 1\n"); };
        api.status = [] { return nlohmann::json{{"mode", "ACTIVE"}}; };
        api.why = [] { return nlohmann::json::array(); };
        api.audit = [](std::uint64_t since) { return nlohmann::json{{"since", since}}; };
        api.not_ready = []() -> std::optional<std::string> { return std::string("waiting for the network"); };
        api.command = [this](std::string line, std::string, std::function<void(std::string)> respond) {
            commands.push_back(line);
            respond(line.starts_with("set_ip") ? "ERROR: nope" : "OK: done");
        };
        endpoint = std::make_unique<HttpEndpoint>(io, log, std::move(config), std::move(api));
        return endpoint->start();
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", endpoint->port());
        c.set_read_timeout(10, 0);
        return c;
    }
    ~Rig() {
        if (endpoint) endpoint->stop();
        work.reset();
        io.stop();
        loop.join();
        std::filesystem::remove_all(dir);
    }
};

HttpConfig on_any_port() {
    HttpConfig c;
    c.listen = "127.0.0.1:0";
    return c;
}

}  // namespace

TEST_CASE("http endpoint: reads on loopback, health, and commands only with the token", "[component][http]") {
    Rig rig;
    HttpConfig config = on_any_port();
    config.token_file = rig.write_token(0600);
    REQUIRE(rig.start(config));
    auto c = rig.client();

    auto r = c.Get("/metrics");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "mmm_writer_holders 1\n");
    CHECK(r->get_header_value("Content-Type").starts_with("text/plain; version=0.0.4"));
    r = c.Get("/health/live");
    REQUIRE(r);
    CHECK(r->status == 200);
    r = c.Get("/health/ready");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->body == "waiting for the network\n");
    r = c.Get("/api/audit?since=17");
    REQUIRE(r);
    CHECK(nlohmann::json::parse(r->body)["since"] == 17);
    r = c.Get("/api/audit?since=-1");
    REQUIRE(r);
    CHECK(r->status == 400);

    r = c.Post("/api/move_role/writer/db2", "", "text/plain");
    REQUIRE(r);
    CHECK(r->status == 401);
    r = c.Post("/api/move_role/writer/db2", {{"Authorization", "Bearer wrong-token-of-some-length"}}, "", "text/plain");
    REQUIRE(r);
    CHECK(r->status == 401);
    const httplib::Headers auth{{"Authorization", "Bearer " + token}};
    r = c.Post("/api/move_role/writer/db2", auth, "", "text/plain");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(nlohmann::json::parse(r->body)["reply"] == "OK: done");
    r = c.Post("/api/set_ip/192.0.2.50/db2", auth, "", "text/plain");
    REQUIRE(r);
    CHECK(r->status == 409);
    r = c.Post("/api/set_online", auth, "", "text/plain");  // its host missing
    REQUIRE(r);
    CHECK(r->status == 404);
    r = c.Post("/api/show", auth, "", "text/plain");  // not a changing command
    REQUIRE(r);
    CHECK(r->status == 404);
    rig.endpoint->stop();
    CHECK(rig.commands == std::vector<std::string>{"move_role writer db2", "set_ip 192.0.2.50 db2"});
}

TEST_CASE("http endpoint: GET / is the status page, under a policy that allows only its own script and style",
          "[component][http]") {
    Rig rig;
    REQUIRE(rig.start(on_any_port()));
    auto c = rig.client();
    auto r = c.Get("/");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(r->body == status_page_html());
    CHECK(r->body.find("fetch(url") != std::string::npos);
    const std::string csp = r->get_header_value("Content-Security-Policy");
    CHECK(csp == status_page_csp(status_page_html()));
    CHECK(csp.starts_with("default-src 'self'; script-src 'sha256-"));
    CHECK(csp.find("unsafe") == std::string::npos);
    CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");
    // Nothing else under / is a page.
    r = c.Get("/index.html");
    REQUIRE(r);
    CHECK(r->status == 404);

    // The hashes are of exactly the element's text (a known value: SHA-256 of "x").
    CHECK(status_page_csp("<style></style><script>x</script>").find(
              "script-src 'sha256-LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE='; style-src "
              "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='") != std::string::npos);
    CHECK_THROWS_AS(status_page_csp("<style></style><script>a</script><script>b</script>"), std::logic_error);
}

TEST_CASE("http endpoint: no token configured refuses every command, a loop that does not answer gives 503",
          "[component][http]") {
    Rig rig;
    REQUIRE(rig.start(on_any_port()));
    auto c = rig.client();
    auto r = c.Post("/api/set_online/db1", "", "text/plain");
    REQUIRE(r);
    CHECK(r->status == 403);
    // The monitor's loop busy for 4 s: answers within the 3 s deadline are 503, and the late task changes nothing.
    std::atomic<bool> release{false};
    asio::post(rig.io, [&] {
        const auto until = std::chrono::steady_clock::now() + 4s;
        while (!release && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
    });
    const auto t0 = std::chrono::steady_clock::now();
    r = c.Get("/metrics");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(std::chrono::steady_clock::now() - t0 < 3900ms);
    release = true;
    CHECK(rig.commands.empty());
}

TEST_CASE("http endpoint: a token file readable by everyone, too short, or missing stops the start",
          "[component][http]") {
    Rig rig;
    HttpConfig config = on_any_port();
    config.token_file = rig.write_token(0644);
    auto started = rig.start(config);
    REQUIRE_FALSE(started);
    CHECK(started.error().message.find("is readable by everyone") != std::string::npos);
    CHECK_FALSE(read_token_file((rig.dir / "nothing").string()));
    std::ofstream((rig.dir / "short").string()) << "abc\n";
    ::chmod((rig.dir / "short").c_str(), 0600);
    const auto short_token = read_token_file((rig.dir / "short").string());
    REQUIRE_FALSE(short_token);
    CHECK(short_token.error().message.find("shorter than 16 characters") != std::string::npos);
}
