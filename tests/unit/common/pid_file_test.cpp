// Unit tests of the daemons' pid file: one holder at a time, stale files, links refused (issue 12 item 13).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/pid_file.hpp"
#include "unit/common/config_fixtures.hpp"

using namespace mmm;
using mmm::test::read_file;
using mmm::test::TempDir;

TEST_CASE("pid file: a second holder is refused, a stale file is reported", "[pid_file]") {
    TempDir dir;
    const auto path = dir.write("mmm_mond.pid", "999999\n");  // left by a monitor that crashed
    {
        auto first = PidFile::acquire(path, "mmm_mond");
        REQUIRE(first);
        CHECK(first->previous() == PidFile::Previous::Stale);
        REQUIRE(first->write_pid());
        CHECK(read_file(path) == std::to_string(::getpid()) + "\n");
        auto second = PidFile::acquire(path, "mmm_agentd");
        REQUIRE_FALSE(second);
        CHECK(second.error().message ==
              "Can't run second copy of mmm_agentd (pid " + std::to_string(::getpid()) + " holds '" + path + "')");
    }
    CHECK_FALSE(std::filesystem::exists(path));  // removed by its holder
    auto again = PidFile::acquire(path, "mmm_mond");
    REQUIRE(again);
    CHECK(again->previous() == PidFile::Previous::None);
}

TEST_CASE("pid file: a symbolic or hard link at the path is refused, its target untouched (issue 12 item 13)",
          "[pid_file][security]") {
    TempDir dir;
    const auto target = dir.write("shadow", "root:secret\n");
    const auto path = (dir.path / "mmm_agentd.pid").string();
    SECTION("symbolic link") {
        REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
        auto p = PidFile::acquire(path, "mmm_agentd");
        REQUIRE_FALSE(p);
        CHECK(p.error().message == "Can't open pid file '" + path + "': it is a symbolic link (refused: remove it)");
    }
    SECTION("symbolic link to nowhere (O_CREAT would have created its target)") {
        const auto nowhere = (dir.path / "created-by-root").string();
        REQUIRE(::symlink(nowhere.c_str(), path.c_str()) == 0);
        CHECK_FALSE(PidFile::acquire(path, "mmm_agentd"));
        CHECK_FALSE(std::filesystem::exists(nowhere));
    }
    SECTION("hard link") {
        REQUIRE(::link(target.c_str(), path.c_str()) == 0);
        auto p = PidFile::acquire(path, "mmm_agentd");
        REQUIRE_FALSE(p);
        CHECK(p.error().message ==
              "Can't open pid file '" + path + "': it has other hard links (refused: remove it)");
    }
    SECTION("a directory") {
        std::filesystem::create_directory(path);
        CHECK_FALSE(PidFile::acquire(path, "mmm_agentd"));
    }
    CHECK(read_file(target) == "root:secret\n");
    CHECK(std::filesystem::exists(std::filesystem::symlink_status(path)));  // left for the operator to look at
}
