// Log4perl property files: the parser and the mapping onto mmm's log (file, level, syslog), with warnings.
#include "common/log4perl.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "common/text.hpp"

namespace mmm {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::vector<std::string> split_commas(std::string_view s) {
    std::vector<std::string> out;
    while (true) {
        const auto comma = s.find(',');
        out.emplace_back(trim(s.substr(0, comma)));
        if (comma == std::string_view::npos) return out;
        s.remove_prefix(comma + 1);
    }
}

enum class AppenderKind { File, Syslog, Screen, Mail, Other };

AppenderKind kind_of(std::string_view cls) {
    if (cls == "Log::Log4perl::Appender::File" || cls == "Log::Dispatch::File" || cls == "Log::Dispatch::FileRotate")
        return AppenderKind::File;
    if (cls == "Log::Dispatch::Syslog") return AppenderKind::Syslog;
    if (cls == "Log::Log4perl::Appender::Screen" || cls == "Log::Log4perl::Appender::ScreenColoredLevels" ||
        cls == "Log::Dispatch::Screen")
        return AppenderKind::Screen;
    if (cls.find("Email") != std::string_view::npos || cls.find("Mail") != std::string_view::npos)
        return AppenderKind::Mail;
    return AppenderKind::Other;
}

struct Appender {
    std::string name;
    std::string cls;
    std::map<std::string, std::string> options;  // "filename", "Threshold", "layout.ConversionPattern", ...
    LogLevel threshold = LogLevel::Debug;
};

// What each destination takes silently because mmm behaves that way anyway.
bool harmless_file_option(const std::string& key, const std::string& value) {
    if (key == "mode") return value == "append" || value == ">>";
    return key == "recreate" || key == "recreate_check_signal" || key == "recreate_check_interval" ||
           key == "autoflush" || key == "utf8" || key == "syswrite" || key == "create_at_logtime" ||
           key == "umask" || key == "binmode";
}

class Interpreter {
public:
    Interpreter(std::string_view file, std::string_view log_key) : file_(file), log_key_(log_key) {}

    Log4perlSetup run(const Log4perlProperties& in) {
        out_.warnings = in.warnings;
        std::optional<std::string> root;
        for (const auto& p : in.properties) {
            if (p.key == "log4perl.logger" || p.key == "log4perl.rootLogger") {
                root = p.value;
            } else if (p.key.starts_with("log4perl.logger.") || p.key.starts_with("log4perl.category.")) {
                warn(p, fmt::format("per-category logger '{}' is not honoured: mmm has one level, the root logger's "
                                    "(or DEBUG with `debug 1`)",
                                    p.key));
            } else if (p.key.starts_with("log4perl.appender.")) {
                add_appender_property(p);
            } else {
                warn(p, fmt::format("'{}' is not honoured", p.key));
            }
        }
        if (!root) {
            out_.warnings.push_back(fmt::format("{}: no root logger (log4perl.logger = LEVEL, APPENDER): mmm logs to "
                                                "{} at INFO",
                                                file_, log_key_));
            return std::move(out_);
        }
        configure_root(*root);
        return std::move(out_);
    }

private:
    void warn(const Log4perlProperty& p, std::string what) {
        out_.warnings.push_back(fmt::format("{}:{}: {}", file_, p.line, what));
    }
    void warn(const Appender& a, std::string what) {
        out_.warnings.push_back(fmt::format("{}: appender '{}' ({}): {}", file_, a.name, a.cls, what));
    }

    void add_appender_property(const Log4perlProperty& p) {
        const std::string rest = p.key.substr(std::string_view("log4perl.appender.").size());
        const auto dot = rest.find('.');
        auto& a = appenders_[rest.substr(0, dot)];
        a.name = rest.substr(0, dot);
        if (dot == std::string::npos) a.cls = p.value;
        else a.options[rest.substr(dot + 1)] = p.value;
    }

    void configure_root(const std::string& root) {
        auto words = split_commas(root);
        if (auto level = parse_log4perl_level(words.front())) {
            out_.level = level;
        } else {
            out_.warnings.push_back(fmt::format("{}: root logger level '{}' is not understood: INFO is used", file_,
                                                words.front()));
        }
        std::vector<Appender*> files;
        for (std::size_t i = 1; i < words.size(); ++i) {
            if (words[i].empty()) continue;
            auto it = appenders_.find(words[i]);
            if (it == appenders_.end() || it->second.cls.empty()) {
                out_.warnings.push_back(
                    fmt::format("{}: appender '{}' is named by the root logger but not defined", file_, words[i]));
                continue;
            }
            Appender& a = it->second;
            read_threshold(a);
            switch (kind_of(a.cls)) {
            case AppenderKind::File: files.push_back(&a); break;
            case AppenderKind::Syslog: configure_syslog(a); break;
            case AppenderKind::Screen:
                warn(a, "is not honoured: run the daemon with --foreground (-f) to log to stderr as well");
                break;
            case AppenderKind::Mail:
                warn(a, "is not honoured: mmm sends no mail; send the alerts to syslog with a Log::Dispatch::Syslog "
                        "appender (Threshold = FATAL) and mail from there");
                break;
            case AppenderKind::Other:
                warn(a, "is not honoured: mmm writes to one file (Log::Log4perl::Appender::File or "
                        "Log::Dispatch::File) and to syslog (Log::Dispatch::Syslog)");
                break;
            }
        }
        configure_file(files);
    }

    void read_threshold(Appender& a) {
        for (const char* key : {"Threshold", "min_level"}) {
            auto it = a.options.find(key);
            if (it == a.options.end()) continue;
            if (auto level = parse_log4perl_level(it->second)) a.threshold = *level;
            else warn(a, fmt::format("{} '{}' is not understood: every level passes", key, it->second));
        }
    }

    // The layout mmm writes anyway: mysql-mmm's default file pattern, or the bare message for syslog.
    void check_layout(const Appender& a, const std::vector<std::string>& accepted, std::string_view instead) {
        auto layout = a.options.find("layout");
        if (layout == a.options.end()) return;
        auto pattern = a.options.find("layout.ConversionPattern");
        const bool pattern_layout = layout->second == "PatternLayout" ||
                                    layout->second == "Log::Log4perl::Layout::PatternLayout";
        if (pattern_layout && pattern != a.options.end() &&
            std::find(accepted.begin(), accepted.end(), pattern->second) != accepted.end())
            return;
        warn(a, fmt::format("layout '{}{}' is not honoured: {}", layout->second,
                            pattern == a.options.end() ? "" : " " + pattern->second, instead));
    }

    void other_options(const Appender& a, const std::vector<std::string>& used,
                       bool (*harmless)(const std::string&, const std::string&)) {
        for (const auto& [key, value] : a.options) {
            if (key == "Threshold" || key == "min_level" || key.starts_with("layout")) continue;
            if (std::find(used.begin(), used.end(), key) != used.end()) continue;
            if (harmless != nullptr && harmless(key, value)) continue;
            warn(a, fmt::format("option {} = {} is not honoured{}", key, value,
                                key == "max" || key == "size" || key == "DatePattern" || key == "TZ"
                                    ? ": rotate with logrotate (etc/logrotate.d/mysql-mmm), which signals the daemons"
                                    : ""));
        }
    }

    void configure_file(std::vector<Appender*> files) {
        if (files.empty()) return;
        // The most complete file (the first with the lowest threshold) is kept; mmm writes one file.
        const auto best = std::min_element(files.begin(), files.end(),
                                           [](const Appender* x, const Appender* y) { return x->threshold < y->threshold; });
        std::rotate(files.begin(), best, best + 1);
        Appender& a = *files.front();
        auto filename = a.options.find("filename");
        if (filename == a.options.end() || filename->second.empty()) {
            warn(a, fmt::format("has no filename: mmm logs to {}", log_key_));
        } else {
            out_.file = filename->second;
            out_.file_threshold = a.threshold;
        }
        check_layout(a, {"%d %5p %m%n"}, "mmm writes mysql-mmm's default lines 'YYYY/MM/DD HH:MM:SS LEVEL message'");
        other_options(a, {"filename"}, harmless_file_option);
        for (std::size_t i = 1; i < files.size(); ++i) {
            const auto name = files[i]->options.count("filename") != 0 ? files[i]->options.at("filename") : "";
            warn(*files[i], fmt::format("file '{}' (Threshold {}) is not honoured: mmm writes one log file, '{}' from "
                                        "appender '{}' (Threshold {}); pick lines by level from it (they carry the "
                                        "level), or send them to syslog with a Log::Dispatch::Syslog appender",
                                        name, to_string(files[i]->threshold), out_.file.value_or(""), a.name,
                                        to_string(a.threshold)));
        }
    }

    void configure_syslog(const Appender& a) {
        if (out_.syslog) {
            warn(a, "is not honoured: mmm writes to one syslog destination");
            return;
        }
        SyslogTarget target;
        target.threshold = a.threshold;
        if (auto it = a.options.find("ident"); it != a.options.end()) target.ident = it->second;
        if (auto it = a.options.find("facility"); it != a.options.end()) {
            if (syslog_facility_known(it->second)) target.facility = lower(it->second);
            else warn(a, fmt::format("facility '{}' is not known: 'user' is used", it->second));
        }
        if (auto it = a.options.find("logopt"); it != a.options.end()) target.with_pid = it->second.find("pid") != std::string::npos;
        check_layout(a, {"%m", "%m%n"}, "syslog gets the message text alone (syslog adds time and priority)");
        other_options(a, {"ident", "facility", "logopt"}, nullptr);
        out_.syslog = target;
    }

    static bool syslog_facility_known(const std::string& name) {
        static const std::vector<std::string> known{"auth",   "authpriv", "cron",   "daemon", "kern",   "local0",
                                                    "local1", "local2",   "local3", "local4", "local5", "local6",
                                                    "local7", "lpr",      "mail",   "news",   "syslog", "user",
                                                    "uucp"};
        return std::find(known.begin(), known.end(), lower(name)) != known.end();
    }

    std::string file_;
    std::string log_key_;
    std::map<std::string, Appender> appenders_;
    Log4perlSetup out_;
};

}  // namespace

Log4perlProperties parse_log4perl_properties(std::string_view text, std::string_view file) {
    Log4perlProperties out;
    const std::vector<std::string_view> lines = split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const int first_line = static_cast<int>(i) + 1;
        std::string line(trim(lines[i]));
        if (line.empty() || line.front() == '#') continue;
        while (!line.empty() && line.back() == '\\' && i + 1 < lines.size()) {
            line.pop_back();
            std::string_view next = lines[++i];
            while (!next.empty() && (next.front() == ' ' || next.front() == '\t')) next.remove_prefix(1);
            if (next.starts_with("#")) next = {};
            line += trim(next);
        }
        const auto eq = line.find('=');
        const auto key = trim(std::string_view(line).substr(0, eq));
        if (eq == std::string::npos || key.empty() || key.find_first_of(" \t") != std::string_view::npos) {
            out.warnings.push_back(fmt::format("{}:{}: not a 'key = value' line, ignored: {}", file, first_line, line));
            continue;
        }
        out.properties.push_back({std::string(key), std::string(trim(std::string_view(line).substr(eq + 1))), first_line});
    }
    return out;
}

std::optional<LogLevel> parse_log4perl_level(std::string_view name) {
    const std::string l = lower(trim(name));
    if (l == "all" || l == "trace" || l == "debug") return LogLevel::Debug;
    if (l == "info" || l == "notice") return LogLevel::Info;
    if (l == "warn" || l == "warning") return LogLevel::Warn;
    if (l == "error" || l == "err") return LogLevel::Error;
    if (l == "fatal" || l == "critical" || l == "crit" || l == "alert" || l == "emergency" || l == "emerg")
        return LogLevel::Fatal;
    return std::nullopt;
}

Log4perlSetup interpret_log4perl(const Log4perlProperties& properties, std::string_view file,
                                 std::string_view log_key) {
    return Interpreter(file, log_key).run(properties);
}

}  // namespace mmm
