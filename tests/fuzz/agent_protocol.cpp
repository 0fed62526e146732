// Fuzz target: the monitor <-> agent line protocol (common/protocol/agent_protocol.*), both sides: the agent's
// request parsing and SET_STATUS fields, the monitor's reply, status and second-opinion parsing.
#include <string>

#include "common/protocol/agent_protocol.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace mmm;
using namespace mmm::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line = fuzz::as_text(data, size);

    // The agent's side: a request line from the network.
    if (const auto parsed = parse_request(line, "db1")) {
        fuzz::check(parsed->request.host == "db1", "parse_request accepted a request for another host");
        fuzz::check(to_string(parsed->command) == parsed->request.command_name, "command name and kind differ");
        (void)version_warning(parsed->request);
        const auto& params = parsed->request.params;
        if (parsed->command == AgentCommand::SetStatus && params.size() >= 3) {
            (void)parse_roles(params[1]);
            const std::vector<std::string> fields(params.begin() + 3, params.end());
            if (const auto f = parse_set_status_fields(fields)) {
                fuzz::check(!f->lease || (f->lease->count() >= 1 && *f->lease <= max_writer_lease),
                            "a lease outside 1 ms .. 1 h was accepted");
                // What the monitor would send with these fields reads back to the same fields.
                const auto again = parse_request(encode_set_status("db1", params[0], {}, params[2], *f), "db1");
                fuzz::check(again.has_value(), "an encoded SET_STATUS does not parse");
                if (again && again->request.params.size() >= 3) {
                    const std::vector<std::string> tail(again->request.params.begin() + 3, again->request.params.end());
                    const auto f2 = parse_set_status_fields(tail);
                    fuzz::check(f2 && f2->epoch == f->epoch && f2->lease == f->lease, "SET_STATUS fields round trip");
                }
            }
        }
    }
    (void)split_request(line);
    (void)parse_agent_command(line);

    // The monitor's side: a reply line from an agent, and what its result may hold.
    const AgentReply reply = parse_reply(line);
    (void)parse_agent_status(reply.result);
    (void)parse_system_status(reply.result);
    if (const auto opinion = parse_master_opinion(reply.result)) (void)opinion->io_receiving_from("db1");
    const auto roles = parse_roles(line);
    (void)encode_roles(roles);
    return 0;
}
