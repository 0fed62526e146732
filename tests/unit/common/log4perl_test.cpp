// mysql-mmm's Log4perl files: the property parser and what mmm honours of them (spec §1.2, §11).
#include <catch2/catch.hpp>

#include "common/log4perl.hpp"

using namespace mmm;

namespace {
Log4perlSetup setup_of(std::string_view text) {
    return interpret_log4perl(parse_log4perl_properties(text, "mmm_mon_log.conf"), "mmm_mon_log.conf",
                              "monitor.log_path");
}

bool any_warning_has(const Log4perlSetup& s, std::string_view part) {
    for (const auto& w : s.warnings)
        if (w.find(part) != std::string::npos) return true;
    return false;
}
}  // namespace

TEST_CASE("log4perl properties: key = value, comments, blank lines, continuation lines", "[log4perl]") {
    const auto p = parse_log4perl_properties("# comment\n"
                                             "\n"
                                             "   log4perl.logger = INFO, LogFile   \n"
                                             "  # indented comment\n"
                                             "log4perl.appender.LogFile.filename=/var/log/x.log\n"
                                             "log4perl.appender.LogFile.layout.ConversionPattern = %d \\\n"
                                             "     %5p \\\n"
                                             "   %m%n\n"
                                             "no equals sign here\n"
                                             "key with = spaces\n"
                                             "empty.value =\n",
                                             "f.conf");
    REQUIRE(p.properties.size() == 4);
    CHECK(p.properties[0].key == "log4perl.logger");
    CHECK(p.properties[0].value == "INFO, LogFile");
    CHECK(p.properties[0].line == 3);
    CHECK(p.properties[1].key == "log4perl.appender.LogFile.filename");
    CHECK(p.properties[1].value == "/var/log/x.log");
    CHECK(p.properties[2].value == "%d %5p %m%n");
    CHECK(p.properties[2].line == 6);
    CHECK(p.properties[3].key == "empty.value");
    CHECK(p.properties[3].value.empty());
    REQUIRE(p.warnings.size() == 2);
    CHECK(p.warnings[0] == "f.conf:9: not a 'key = value' line, ignored: no equals sign here");
    CHECK(p.warnings[1] == "f.conf:10: not a 'key = value' line, ignored: key with = spaces");
}

TEST_CASE("log4perl levels in Log4perl's and Log::Dispatch's spelling", "[log4perl]") {
    const std::vector<std::pair<std::string, std::optional<LogLevel>>> cases{
        {"DEBUG", LogLevel::Debug}, {"trace", LogLevel::Debug},   {"ALL", LogLevel::Debug},
        {"INFO", LogLevel::Info},   {"notice", LogLevel::Info},   {"WARN", LogLevel::Warn},
        {"warning", LogLevel::Warn}, {"ERROR", LogLevel::Error},  {"FATAL", LogLevel::Fatal},
        {"critical", LogLevel::Fatal}, {"emergency", LogLevel::Fatal}, {"OFF", std::nullopt},
        {"loud", std::nullopt},
    };
    for (const auto& [name, level] : cases) {
        INFO(name);
        CHECK(parse_log4perl_level(name) == level);
    }
}

TEST_CASE("mysql-mmm's default log configuration maps without a warning", "[log4perl]") {
    const auto s = setup_of("log4perl.logger = INFO, LogFile\n"
                            "log4perl.appender.LogFile = Log::Log4perl::Appender::File\n"
                            "log4perl.appender.LogFile.Threshold = INFO\n"
                            "log4perl.appender.LogFile.filename = /var/log/mysql-mmm/mmm_mond_c1.log\n"
                            "log4perl.appender.LogFile.recreate = 1\n"
                            "log4perl.appender.LogFile.layout = PatternLayout\n"
                            "log4perl.appender.LogFile.layout.ConversionPattern = %d %5p %m%n\n");
    CHECK(s.warnings.empty());
    CHECK(s.level == LogLevel::Info);
    CHECK(s.file == "/var/log/mysql-mmm/mmm_mond_c1.log");
    CHECK(s.file_threshold == LogLevel::Info);
    CHECK_FALSE(s.syslog);
}

TEST_CASE("log4perl: file, syslog and their thresholds are honoured", "[log4perl]") {
    const auto s = setup_of("log4perl.rootLogger = DEBUG, File, Sys\n"
                            "log4perl.appender.File = Log::Dispatch::File\n"
                            "log4perl.appender.File.filename = /srv/log/mmm.log\n"
                            "log4perl.appender.File.min_level = warning\n"
                            "log4perl.appender.File.mode = append\n"
                            "log4perl.appender.Sys = Log::Dispatch::Syslog\n"
                            "log4perl.appender.Sys.ident = mmm-prod\n"
                            "log4perl.appender.Sys.facility = local3\n"
                            "log4perl.appender.Sys.logopt = ndelay,pid\n"
                            "log4perl.appender.Sys.Threshold = FATAL\n"
                            "log4perl.appender.Sys.layout = PatternLayout\n"
                            "log4perl.appender.Sys.layout.ConversionPattern = %m%n\n"
                            "log4perl.appender.Unused = Log::Dispatch::Email::MailSend\n");
    CHECK(s.warnings.empty());  // an appender the root logger does not name is not used by Log4perl either
    CHECK(s.level == LogLevel::Debug);
    CHECK(s.file == "/srv/log/mmm.log");
    CHECK(s.file_threshold == LogLevel::Warn);
    REQUIRE(s.syslog);
    CHECK(s.syslog->ident == "mmm-prod");
    CHECK(s.syslog->facility == "local3");
    CHECK(s.syslog->with_pid);
    CHECK(s.syslog->threshold == LogLevel::Fatal);
}

TEST_CASE("log4perl: the manual's multi-file and mail set-up keeps one file and says what is lost", "[log4perl]") {
    const auto s = setup_of("log4perl.logger = INFO, LogInfo, LogWarn, LogFatal, Mail\n"
                            "log4perl.appender.LogWarn = Log::Log4perl::Appender::File\n"
                            "log4perl.appender.LogWarn.Threshold = WARN\n"
                            "log4perl.appender.LogWarn.filename = /var/log/mysql-mmm/mmm_mond.warn\n"
                            "log4perl.appender.LogInfo = Log::Log4perl::Appender::File\n"
                            "log4perl.appender.LogInfo.Threshold = INFO\n"
                            "log4perl.appender.LogInfo.filename = /var/log/mysql-mmm/mmm_mond.info\n"
                            "log4perl.appender.LogInfo.layout = PatternLayout\n"
                            "log4perl.appender.LogInfo.layout.ConversionPattern = %d %p %c %m%n\n"
                            "log4perl.appender.LogFatal = Log::Log4perl::Appender::File\n"
                            "log4perl.appender.LogFatal.Threshold = FATAL\n"
                            "log4perl.appender.LogFatal.filename = /var/log/mysql-mmm/mmm_mond.fatal\n"
                            "log4perl.appender.Mail = Log::Dispatch::Email::MailSend\n"
                            "log4perl.appender.Mail.Threshold = FATAL\n"
                            "log4perl.appender.Mail.to = dba@example.com\n"
                            "log4perl.logger.MMM.Monitor.Checker = DEBUG\n"
                            "log4perl.appender.Screen = Log::Log4perl::Appender::Screen\n");
    CHECK(s.file == "/var/log/mysql-mmm/mmm_mond.info");
    CHECK(s.file_threshold == LogLevel::Info);
    CHECK(any_warning_has(s, "appender 'Mail' (Log::Dispatch::Email::MailSend): is not honoured: mmm sends no mail"));
    CHECK(any_warning_has(s, "Log::Dispatch::Syslog"));
    CHECK(any_warning_has(s, "appender 'LogWarn' (Log::Log4perl::Appender::File): file "
                             "'/var/log/mysql-mmm/mmm_mond.warn' (Threshold WARN) is not honoured: mmm writes one "
                             "log file, '/var/log/mysql-mmm/mmm_mond.info' from appender 'LogInfo' (Threshold INFO)"));
    CHECK(any_warning_has(s, "'/var/log/mysql-mmm/mmm_mond.fatal' (Threshold FATAL) is not honoured"));
    CHECK(any_warning_has(s, "appender 'LogInfo' (Log::Log4perl::Appender::File): layout 'PatternLayout %d %p %c "
                             "%m%n' is not honoured"));
    CHECK(any_warning_has(s, "mmm_mon_log.conf:16: per-category logger 'log4perl.logger.MMM.Monitor.Checker' is not "
                             "honoured"));
    CHECK_FALSE(any_warning_has(s, "'Screen'"));  // defined, not named by the root logger: unused as in Log4perl
    CHECK(s.warnings.size() == 5);
}

TEST_CASE("log4perl: what cannot be used is named with what to use instead", "[log4perl]") {
    SECTION("no root logger") {
        const auto s = setup_of("log4perl.appender.A = Log::Dispatch::File\n");
        REQUIRE(s.warnings.size() == 1);
        CHECK(s.warnings[0] == "mmm_mon_log.conf: no root logger (log4perl.logger = LEVEL, APPENDER): mmm logs to "
                               "monitor.log_path at INFO");
        CHECK_FALSE(s.file);
    }
    SECTION("screen, unknown class, undefined appender, bad level, rotation options") {
        const auto s = setup_of("log4perl.logger = LOUD, Scr, Db, Missing, Rot\n"
                                "log4perl.appender.Scr = Log::Log4perl::Appender::Screen\n"
                                "log4perl.appender.Db = Log::Log4perl::Appender::DBI\n"
                                "log4perl.appender.Rot = Log::Dispatch::FileRotate\n"
                                "log4perl.appender.Rot.filename = /var/log/mmm.log\n"
                                "log4perl.appender.Rot.max = 5\n"
                                "log4perl.appender.Rot.mode = write\n");
        CHECK_FALSE(s.level);
        CHECK(s.file == "/var/log/mmm.log");
        CHECK(any_warning_has(s, "root logger level 'LOUD' is not understood: INFO is used"));
        CHECK(any_warning_has(s, "appender 'Scr' (Log::Log4perl::Appender::Screen): is not honoured: run the daemon "
                                 "with --foreground (-f)"));
        CHECK(any_warning_has(s, "appender 'Db' (Log::Log4perl::Appender::DBI): is not honoured"));
        CHECK(any_warning_has(s, "appender 'Missing' is named by the root logger but not defined"));
        CHECK(any_warning_has(s, "option max = 5 is not honoured: rotate with logrotate"));
        CHECK(any_warning_has(s, "option mode = write is not honoured"));
        CHECK(s.warnings.size() == 6);
    }
    SECTION("a syslog facility mmm does not know, a second syslog appender") {
        const auto s = setup_of("log4perl.logger = WARN, S1, S2\n"
                                "log4perl.appender.S1 = Log::Dispatch::Syslog\n"
                                "log4perl.appender.S1.facility = galaxy\n"
                                "log4perl.appender.S2 = Log::Dispatch::Syslog\n");
        REQUIRE(s.syslog);
        CHECK(s.syslog->facility == "user");
        CHECK(s.syslog->ident.empty());
        CHECK_FALSE(s.syslog->with_pid);
        CHECK(any_warning_has(s, "facility 'galaxy' is not known: 'user' is used"));
        CHECK(any_warning_has(s, "appender 'S2' (Log::Dispatch::Syslog): is not honoured: mmm writes to one syslog"));
    }
}
