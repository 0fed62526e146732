// Classification of one legacy .conf line by scanning (see config_legacy_line.hpp).
#include "common/config_legacy_line.hpp"

namespace mmm::detail {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_word_or_dash(char c) { return is_word(c) || c == '-'; }

// A cursor over the line; every step moves forward, so a scan is linear.
struct Scanner {
    std::string_view s;
    std::size_t i = 0;

    bool at_end() const { return i == s.size(); }
    bool peek(char c) const { return i < s.size() && s[i] == c; }
    bool take(char c) {
        if (!peek(c)) return false;
        ++i;
        return true;
    }
    std::size_t skip_spaces() {
        const std::size_t from = i;
        while (i < s.size() && is_space(s[i])) ++i;
        return i - from;
    }
    template <typename Pred>
    std::string_view take_while(Pred pred) {
        const std::size_t from = i;
        while (i < s.size() && pred(s[i])) ++i;
        return s.substr(from, i - from);
    }
    // Whitespace to the end of the line and nothing else.
    bool only_spaces_left() {
        skip_spaces();
        return at_end();
    }
};

bool blank_or_comment(std::string_view line) {
    Scanner sc{line};
    sc.skip_spaces();
    return sc.at_end() || sc.peek('#');
}

// `</word>`
bool end_tag(std::string_view line) {
    Scanner sc{line};
    sc.skip_spaces();
    if (!sc.take('<') || !sc.take('/')) return false;
    sc.skip_spaces();
    sc.take_while(is_word_or_dash);
    sc.skip_spaces();
    return sc.take('>') && sc.only_spaces_left();
}

// `<type>`, `<type name>`, with an optional '/' before '>'.
bool open_tag(std::string_view line, LegacyLine& out) {
    Scanner sc{line};
    sc.skip_spaces();
    if (!sc.take('<')) return false;
    sc.skip_spaces();
    const auto type = sc.take_while(is_word);
    if (type.empty()) return false;
    std::string_view name;
    if (sc.skip_spaces() > 0) name = sc.take_while(is_word_or_dash);
    sc.skip_spaces();
    const bool empty = sc.take('/');
    sc.skip_spaces();
    if (!sc.take('>') || !sc.only_spaces_left()) return false;
    out.kind = LegacyLine::Kind::OpenTag;
    out.first = type;
    out.second = name;
    out.empty_section = empty;
    return true;
}

// `key value...`; with the key `include` and exactly one more word, an include.
bool variable_or_include(std::string_view line, LegacyLine& out) {
    Scanner sc{line};
    sc.skip_spaces();
    const auto key = sc.take_while([](char c) { return !is_space(c); });
    if (key.empty() || sc.skip_spaces() == 0) return false;
    std::string_view value = line.substr(sc.i);
    while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
    const bool one_word = !value.empty() && value.find_first_of(" \t\n\v\f\r") == std::string_view::npos;
    out.kind = key == "include" && one_word ? LegacyLine::Kind::Include : LegacyLine::Kind::Variable;
    out.first = out.kind == LegacyLine::Kind::Include ? value : key;
    out.second = out.kind == LegacyLine::Kind::Include ? std::string_view{} : value;
    return true;
}

}  // namespace

LegacyLine parse_legacy_line(std::string_view line) {
    LegacyLine out;
    if (blank_or_comment(line)) out.kind = LegacyLine::Kind::Blank;
    else if (end_tag(line)) out.kind = LegacyLine::Kind::EndTag;
    else if (!open_tag(line, out) && !variable_or_include(line, out)) out.kind = LegacyLine::Kind::Invalid;
    return out;
}

}  // namespace mmm::detail
