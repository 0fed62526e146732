// One line of a legacy mysql-mmm .conf file, classified by plain string scanning (no std::regex: a long line
// overflowed the stack inside it, issue 12 item 10). Linear in the line's length, no recursion.
#pragma once

#include <string>
#include <string_view>

namespace mmm::detail {

struct LegacyLine {
    enum class Kind { Blank, EndTag, Include, OpenTag, Variable, Invalid };
    Kind kind = Kind::Invalid;
    std::string first;   // Include: the file name; OpenTag: the section type; Variable: the key
    std::string second;  // OpenTag: the section name (may be empty); Variable: the value (may be empty)
    bool empty_section = false;  // OpenTag written as <type/> or <type name/>
};

// mysql-mmm's line grammar (spec 2.2), whitespace being space, \t, \n, \v, \f, \r:
//   blank or `# comment`; `</word>` (word of [A-Za-z0-9_-], may be empty); `include FILE`;
//   `<type>`, `<type name>`, `<type/>`, `<type name/>` (type of [A-Za-z0-9_], name of [A-Za-z0-9_-]);
//   `key value...` (the value is the rest of the line without trailing whitespace; at least one whitespace
//   character must follow the key). Anything else is Invalid.
LegacyLine parse_legacy_line(std::string_view line);

}  // namespace mmm::detail
