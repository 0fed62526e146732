#!/usr/bin/env python3
"""A stand-in for mysql-mmm 2.2's monitor control port, as ../shared/spec/mmm-reference.md section 8 describes it:
one line per command, 'quit' closes, the result is written without a newline; an unknown command or a wrong
argument count answers "Invalid command '<line>'\\n\\n" plus the help text. It knows `show` and `mode` (fixed texts,
what mysql-mmm printed for a three-host cluster) and logs every line it receives to LOG.

usage: mysql_mmm_monitor_standin.py PORTFILE LOG SECONDS   (listens on 127.0.0.1, a free port written to PORTFILE;
exits after SECONDS)
"""
import socket
import sys
import time

HELP = """Valid commands are:
    help                              - show this message
    ping                              - ping monitor
    show                              - show status
    checks [<host>|all [<check>|all]] - show checks status
    set_online <host>                 - set host <host> online
    set_offline <host>                - set host <host> offline
    mode                              - print current mode.
    set_active                        - switch into active mode.
    set_manual                        - switch into manual mode.
    set_passive                       - switch into passive mode.
    move_role [--force] <role> <host> - move exclusive role <role> to host <host>
                                        (Only use --force if you know what you are doing!)
    set_ip <ip> <host>                - set role with ip <ip> to host <host>
"""

SHOW = """  db1(192.0.2.11) master/ONLINE. Roles: reader(192.0.2.51), writer(192.0.2.50)
  db2(192.0.2.12) master/ONLINE. Roles: reader(192.0.2.52)
  db3(192.0.2.13) slave/HARD_OFFLINE. Roles: 
"""

ANSWERS = {"show": SHOW, "mode": "ACTIVE", "ping": "OK: Pinged successfully!"}


def answer(line):
    words = line.split()
    if len(words) == 1 and words[0] in ANSWERS:
        return ANSWERS[words[0]]
    return "Invalid command '%s'\n\n%s" % (line, HELP)


def main():
    portfile, log, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(10)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        srv.settimeout(max(0.1, end - time.monotonic()))
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            break
        conn.settimeout(5)
        with conn, conn.makefile("rwb") as stream:
            for raw in stream:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line == "quit":
                    break
                with open(log, "a") as f:
                    f.write(line + "\n")
                stream.write(answer(line).encode())
                stream.flush()


if __name__ == "__main__":
    main()
