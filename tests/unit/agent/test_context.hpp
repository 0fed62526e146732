// The agent core tests' cluster: db1, db2, db3; a writer IP and three reader IPs in config order.
#pragma once

#include <string>
#include <utility>

#include "agent/core/model.hpp"

namespace mmm::agent {

inline Context test_context(std::string host, HostMode mode) {
    Context c;
    c.this_host = std::move(host);
    c.mode = mode;
    c.hosts = {"db1", "db2", "db3"};
    c.all_role_ips = {{"writer", "192.0.2.50"}, {"reader", "192.0.2.51"}, {"reader", "192.0.2.52"},
                      {"reader", "192.0.2.53"}};
    return c;
}

}  // namespace mmm::agent
