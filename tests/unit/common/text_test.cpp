// printable(): what a peer sends is logged and echoed without control bytes and bounded in length (issue 12).
#include <catch2/catch.hpp>

#include <string>

#include "common/text.hpp"

using mmm::printable;

TEST_CASE("printable: control bytes, backslash and high bytes escaped, long text cut with its length", "[text]") {
    CHECK(printable("reader(192.0.2.51)") == "reader(192.0.2.51)");
    CHECK(printable(std::string("a\x1b[31mb\0c", 9)) == "a\\x1b[31mb\\x00c");
    CHECK(printable("back\\slash\n") == "back\\x5cslash\\x0a");
    CHECK(printable("\xc3\xa9") == "\\xc3\\xa9");
    CHECK(printable(std::string(500, 'x'), 10) == "xxxxxxxxxx...(500 bytes)");
    CHECK(printable("", 10).empty());
}
