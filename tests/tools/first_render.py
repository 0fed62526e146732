#!/usr/bin/env python3
"""first_render.py URL PROFILE_DIR [TIMEOUT_S]: the status page's time to first render in headless Chromium, in real
time (tests/integration/status_page.sh). Chromium's --virtual-time-budget, which the test's DOM dumps use, stops the
page's clock while a fetch is pending; here the browser runs in real time and is driven over --remote-debugging-pipe
(the DevTools protocol: JSON messages ending in NUL, read on fd 3, written on fd 4): open URL, poll until the page has
set data-first-render-ms (performance.now() at its first render: milliseconds since navigation start, real time),
print that number. Exit 1 when it does not render within TIMEOUT_S (default 20)."""
import json
import os
import subprocess
import sys
import time


class Browser:
    def __init__(self, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child_fds():  # via fresh copies: either end may already sit on 3 or 4
            reads, writes = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.proc = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4), preexec_fn=child_fds, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0

    def call(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        while True:  # events and other answers are skipped
            while b"\0" not in self.buffer:
                chunk = os.read(self.from_chrome, 65536)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def close(self):
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    url, profile = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
    browser = Browser(profile)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.call("Page.navigate", {"url": url}, session)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            value = browser.call("Runtime.evaluate",
                                 {"expression": "document.documentElement.dataset.firstRenderMs || ''",
                                  "returnByValue": True}, session)["result"].get("value", "")
            if value:
                print(value)
                return 0
            time.sleep(0.02)
        print(f"first_render: no first render within {limit} s", file=sys.stderr)
        return 1
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
