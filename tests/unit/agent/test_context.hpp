// The agent core tests' cluster: db1, db2, db3; a writer IP and three reader IPs in config order (.50 to .53 of
// `net`: the sandbox's 192.0.2.0/24 by default, or the spec's 192.168.0.0/24 for its exact exchanges).
#pragma once

#include <string>
#include <utility>

#include "agent/core/model.hpp"

namespace mmm::agent {

inline Context test_context(std::string host, HostMode mode, const std::string& net = "192.0.2.") {
    Context c;
    c.this_host = std::move(host);
    c.mode = mode;
    c.hosts = {"db1", "db2", "db3"};
    c.all_role_ips = {{"writer", net + "50"}, {"reader", net + "51"}, {"reader", net + "52"}, {"reader", net + "53"}};
    c.own_role_ips = c.all_role_ips;  // a slave may not hold the writer in a real config; the tests send it anyway
    return c;
}

}  // namespace mmm::agent
