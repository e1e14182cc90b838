"""Headless chromium driven over the Chrome DevTools Protocol, for the WebRTC e2e tests.

The DevTools protocol runs over --remote-debugging-pipe: chromium reads JSON commands
from its fd 3 and writes replies and events to its fd 4, each message ended by a NUL
byte. That needs no websocket library and no TCP port. Chromium gets a throw-away
--user-data-dir, a fake microphone (--use-fake-device-for-media-stream, permission
granted by --use-fake-ui-for-media-stream), loopback ICE candidates
(--allow-loopback-in-peer-connection) and real addresses in them instead of mDNS names
(--disable-features=WebRtcHideLocalIpsWithMdns); background networking (updates,
metrics, safe browsing, ...) is switched off.

It runs in a session of its own; stop() closes the browser over the protocol, then
signals the main process by PID, then any of its process group left (by PID), and
removes the profile directory.
"""

import json
import os
import select
import shutil
import subprocess
import tempfile
import time

import pytest

from kamailio_runner import end_process, end_process_group_leftovers

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
HERE = os.path.dirname(os.path.abspath(__file__))
PEERS_PAGE = os.path.join(HERE, "webrtc", "peers.html")

CHROMIUM_FLAGS = [
    "--headless=new",
    # As root in a container there is no user namespace sandbox to use.
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints,Translate",
    "--autoplay-policy=no-user-gesture-required",
    # Nothing but the page's WebRTC talks to the network.
    "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection",
    "--disable-breakpad", "--metrics-recording-only", "--disable-extensions",
    "--password-store=basic", "--use-mock-keychain", "--mute-audio",
    "--allow-file-access-from-files",
]

# The profile's WebRTC IP handling policy (chrome://settings has no switch for it; the
# --force-webrtc-ip-handling-policy flag has no effect on Debian's 156). With
# "default_public_and_private_interfaces" chromium does not enumerate interfaces: each
# ICE component gets one UDP socket bound to the wildcard address, announced as one host
# candidate on the default route's address. The test rewrites that candidate to
# 127.0.0.1 (webrtc_calls.loopback_only); the socket receives there, and what it sends to
# the proxy's 127.0.0.1 leaves from 127.0.0.1. Enumerating interfaces instead (the
# default) gives a candidate per interface, and as the controlling agent chromium
# nominates a pair from its non-loopback one (lower network cost), so media would leave
# loopback.
PREFERENCES = {"webrtc": {"ip_handling_policy": "default_public_and_private_interfaces"}}

START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


def require_chromium():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail("%s not found; scripts/install-deps.sh --test installs Debian's chromium" % CHROMIUM)


class CdpError(RuntimeError):
    pass


class Chromium:
    """One headless chromium and a synchronous DevTools client over its pipe."""

    def __init__(self, binary=None, extra_flags=()):
        self.binary = binary or CHROMIUM
        self.extra_flags = list(extra_flags)
        self.proc = None
        self.profile = None
        self.log_path = None
        self.log_file = None
        self._to_chrome = self._from_chrome = None
        self._buf = b""
        self._next_id = 0
        self.events = []

    # --- process ---------------------------------------------------------------

    def start(self):
        require_chromium()
        self.profile = tempfile.mkdtemp(prefix="rtpe-chromium-")
        self.log_path = os.path.join(self.profile, "chromium.log")
        self.log_file = open(self.log_path, "wb")
        os.makedirs(os.path.join(self.profile, "profile", "Default"))
        with open(os.path.join(self.profile, "profile", "Default", "Preferences"), "w") as f:
            json.dump(PREFERENCES, f)
        child_reads, self._to_chrome = os.pipe()
        self._from_chrome, child_writes = os.pipe()

        def fds_3_and_4():
            os.dup2(child_reads, 3)
            os.dup2(child_writes, 4)

        cmd = [self.binary] + CHROMIUM_FLAGS + self.extra_flags + [
            "--remote-debugging-pipe", "--user-data-dir=" + os.path.join(self.profile, "profile"),
            "about:blank"]
        try:
            # pass_fds keeps 3 and 4 open through the close_fds that follows preexec_fn.
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log_file,
                                         stderr=subprocess.STDOUT, preexec_fn=fds_3_and_4,
                                         pass_fds=(3, 4), start_new_session=True,
                                         env=dict(os.environ, HOME=self.profile))
        finally:
            os.close(child_reads)
            os.close(child_writes)
        try:
            self.version = self.send("Browser.getVersion", timeout=START_TIMEOUT)
        except Exception:
            self.stop()
            raise
        return self

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def stop(self):
        if self.proc is not None:
            pgid = self.proc.pid
            if self.proc.poll() is None:
                try:
                    self.send("Browser.close", timeout=2.0)
                except Exception:
                    pass
                try:
                    self.proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    end_process(self.proc, STOP_TIMEOUT)
            # Renderer, GPU and utility processes normally go with the browser; any left
            # of the process group we started are ended by PID.
            end_process_group_leftovers(pgid, STOP_TIMEOUT)
            self.proc = None
        for fd in (self._to_chrome, self._from_chrome):
            if fd is not None:
                os.close(fd)
        self._to_chrome = self._from_chrome = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None
        if self.profile is not None:
            if os.environ.get("RTPE_E2E_KEEP"):
                print("kept chromium profile and log in", self.profile)
            else:
                shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    # --- protocol --------------------------------------------------------------

    def send(self, method, params=None, session_id=None, timeout=10.0):
        """Sends one command and waits for its reply; returns its result, raises CdpError
        on a protocol error. Events that arrive meanwhile are kept in self.events."""
        self._next_id += 1
        msg_id = self._next_id
        message = {"id": msg_id, "method": method, "params": params or {}}
        if session_id:
            message["sessionId"] = session_id
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_chrome, data):]
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._drain(deadline, method):
                if reply.get("id") == msg_id:
                    if "error" in reply:
                        raise CdpError("%s: %s" % (method, reply["error"]))
                    return reply.get("result", {})
                if "method" in reply:
                    self.events.append(reply)

    def _drain(self, deadline, method):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("no reply to %s in time" % method)
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise CdpError("chromium closed the DevTools pipe (exit %s):\n%s" % (
                    self.proc.poll() if self.proc else None, self.log()[-3000:]))
            self._buf += chunk
        messages = []
        while b"\0" in self._buf:
            raw, self._buf = self._buf.split(b"\0", 1)
            messages.append(json.loads(raw))
        return messages

    def open_page(self, path=PEERS_PAGE, timeout=10.0):
        """A new tab showing the file at path, attached with a session of its own."""
        url = "file://" + path
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        self.send("Runtime.enable", session_id=session)
        # The tab shows about:blank ("complete") until the file's navigation commits.
        deadline = time.monotonic() + timeout
        while True:
            try:
                if page.evaluate("location.href + ' ' + document.readyState", timeout=2.0) == url + " complete":
                    return page
            except CdpError:
                pass  # the execution context went away with the navigation
            if time.monotonic() > deadline:
                raise CdpError("page %s did not load:\n%s" % (url, self.log()[-3000:]))
            time.sleep(0.05)


class Page:
    def __init__(self, browser, target_id, session_id):
        self.browser = browser
        self.target_id = target_id
        self.session_id = session_id

    def evaluate(self, expression, timeout=10.0):
        """The value of a JS expression (a promise is awaited); a JS exception raises CdpError."""
        result = self.browser.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
        }, session_id=self.session_id, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CdpError("JS exception in %s: %s" % (expression[:200], text))
        return result.get("result", {}).get("value")

    def call(self, function, *args, timeout=10.0):
        """function(*args) in the page, arguments passed as JSON."""
        return self.evaluate("%s(%s)" % (function, ", ".join(json.dumps(a) for a in args)), timeout=timeout)

    def console(self):
        """The page's console messages so far (for failure reports)."""
        out = []
        for event in self.browser.events:
            if event.get("sessionId") == self.session_id and event.get("method") == "Runtime.consoleAPICalled":
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in event["params"]["args"]))
        return out

    def close(self):
        try:
            self.evaluate("closeAll()", timeout=3.0)
        finally:
            self.browser.send("Target.closeTarget", {"targetId": self.target_id}, timeout=3.0)
