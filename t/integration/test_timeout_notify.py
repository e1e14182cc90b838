"""Timeout notifications (--b2b-url, --xmlrpc-format): a call ended for lack of media is
reported to an XML-RPC server, here one run by the test itself on 127.0.0.0/8."""

import contextlib
import os
import socket
import ssl
import subprocess
import threading
import time
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

import pytest

from rtpe_testlib import free_udp_port, start_ng_daemon, stop_ng_daemon
from test_calls import Peer, make_sdp, offer_answer


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/RPC2",)

    def log_message(self, *args):
        pass


class Recorder:
    """An XML-RPC server in a thread, writing down every call it gets."""

    def __init__(self, host="127.0.0.1", fault=None, tls=None):
        """tls: an ssl.SSLContext to serve https with."""
        self.calls = []
        self.user_agents = []
        self.fault = fault
        self.lock = threading.Lock()
        recorder = self

        class RecordingHandler(Handler):
            def do_POST(self):
                with recorder.lock:
                    recorder.user_agents.append(self.headers.get("User-Agent", ""))
                super().do_POST()

        self.server = SimpleXMLRPCServer((host, 0), requestHandler=RecordingHandler, logRequests=False,
                                         allow_none=True)
        self.server.register_instance(self)
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _dispatch(self, method, params):
        with self.lock:
            self.calls.append((method, list(params)))
        if self.fault:
            raise Exception(self.fault)
        return True

    def wait_for(self, count, timeout=8.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.calls) >= count:
                    return list(self.calls)
            time.sleep(0.05)
        with self.lock:
            return list(self.calls)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def start_daemon(url, fmt, extra=(), env=None):
    return start_ng_daemon(["--port-min=32000", "--port-max=32999", "--b2b-url=" + url,
                            "--xmlrpc-format=%d" % fmt] + list(extra), env=env)


stop_daemon = stop_ng_daemon


@contextlib.contextmanager
def notifying_daemon(url, fmt, extra=(), env=None):
    """start_daemon() for a with block, stopped (and checked to exit cleanly) after it."""
    d = start_daemon(url, fmt, extra, env)
    try:
        yield d
    finally:
        stop_daemon(d)


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


def answered_call(d, call_id):
    a, b = Peer(), Peer()
    offer_answer(d.ng, call_id, a, b)
    return a, b


def wait_gone(d, call_id, timeout=8.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if call_id.encode() not in d.ng.request({"command": "list"})["calls"]:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("fmt,expected", [
    (0, [("di", ["sbc", "postControlCmd", "A", "teardown"]), ("di", ["sbc", "postControlCmd", "B", "teardown"])]),
    (1, [("teardown", ["timed-out-call"])]),
    (2, [("dlg.terminate_dlg", ["timed-out-call", "A", "B"])]),
])
def test_media_timeout_is_notified(recorder, fmt, expected):
    # "%%" stands for the ng client's address: only with it replaced does the request arrive.
    with notifying_daemon("http://%%%%:%d/RPC2" % recorder.port, fmt, ["--timeout=1"]) as d:
        peers = answered_call(d, "timed-out-call")
        assert wait_gone(d, "timed-out-call")
        calls = recorder.wait_for(len(expected))
        time.sleep(0.5)  # nothing more should follow
        assert sorted(recorder.calls) == sorted(expected)
        assert all(ua.startswith("ngcp-rtpengine") for ua in recorder.user_agents)
        assert "Removing call: timeout" in d.log()
        for p in peers:
            p.close()


@pytest.mark.parametrize("fmt,expected", [
    (0, [("di", ["sbc", "postControlCmd", "X", "teardown"])]),
    (1, [("teardown", ["unanswered"])]),
    (2, []),  # no to-tag yet: no dialogue to terminate
])
def test_offer_timeout_is_notified(recorder, fmt, expected):
    with notifying_daemon("http://127.0.0.1:%d/RPC2" % recorder.port, fmt, ["--offer-timeout=1"]) as d:
        reply = d.ng.request({"command": "offer", "call-id": "unanswered", "from-tag": "X",
                              "sdp": make_sdp("127.0.0.1", 5000)})
        assert reply["result"] == b"ok"
        assert wait_gone(d, "unanswered")
        recorder.wait_for(max(1, len(expected)), timeout=3.0 if expected else 2.0)
        assert recorder.calls == expected


def test_xmlrpc_callback_replaces_the_client_address():
    # The B2BUA listens on 127.0.0.2 while the ng client sends from 127.0.0.1.
    with Recorder(host="127.0.0.2") as r, notifying_daemon("http://%%%%:%d/RPC2" % r.port, 1, ["--timeout=1"]) as d:
        a, b = Peer(), Peer()
        offer_answer(d.ng, "cb-call", a, b, offer_keys={"xmlrpc-callback": "127.0.0.2"})
        assert wait_gone(d, "cb-call")
        assert r.wait_for(1) == [("teardown", ["cb-call"])]
        a.close()
        b.close()


def test_delete_and_final_timeout_send_nothing(recorder):
    with notifying_daemon("http://127.0.0.1:%d/RPC2" % recorder.port, 1,
                          ["--final-timeout=2", "--timeout=100", "--delete-delay=0"]) as d:
        answered_call(d, "deleted")
        answered_call(d, "too-old")
        assert d.ng.request({"command": "delete", "call-id": "deleted", "from-tag": "A"})["result"] == b"ok"
        assert wait_gone(d, "too-old")
        time.sleep(1.5)
        assert recorder.calls == []
        assert "final timeout" in d.log()


@pytest.mark.parametrize("fault,tries", [
    ("Dialog not found", 1),  # the B2BUA has forgotten the dialogue: not retried
    ("busy", 4),              # any other fault: upstream gives up after the fourth try
])
def test_faults_are_retried_unless_dialog_not_found(fault, tries):
    with Recorder(fault=fault) as r, notifying_daemon("http://127.0.0.1:%d/RPC2" % r.port, 1, ["--timeout=1"]) as d:
        answered_call(d, "faulted")
        assert wait_gone(d, "faulted")
        assert r.wait_for(tries, timeout=10.0) == [("teardown", ["faulted"])] * tries
        time.sleep(1.5)  # nothing more should follow
        assert r.calls == [("teardown", ["faulted"])] * tries
        if tries > 1:
            assert "XMLRPC fault" in d.log()


def test_unresponsive_b2bua_does_not_hold_up_the_daemon():
    # Accepts connections (the kernel does) but never answers a byte.
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    port = silent.getsockname()[1]
    d = start_daemon("http://127.0.0.1:%d/RPC2" % port, 0, ["--timeout=1"])
    try:
        for i in range(3):
            answered_call(d, "stuck-%d" % i)
        for i in range(3):
            assert wait_gone(d, "stuck-%d" % i)
        # Notifications are now hanging on the silent server; ng must not notice.
        for _ in range(10):
            started = time.time()
            assert d.ng.request({"command": "ping"})["result"] == b"pong"
            assert time.time() - started < 0.5
            time.sleep(0.1)
        answered_call(d, "still-served")
        started = time.time()
        d.ng.close()
        assert d.stop() == 0
        assert time.time() - started < 4.0  # shutting down cuts the hanging request short
    finally:
        if d.alive():
            stop_daemon(d)
        silent.close()


def test_refused_connection_is_logged():
    port = free_udp_port()  # nothing listens on this TCP port either
    with notifying_daemon("http://127.0.0.1:%d/" % port, 1, ["--timeout=1"]) as d:
        answered_call(d, "refused")
        assert wait_gone(d, "refused")
        deadline = time.time() + 5
        while time.time() < deadline and "Connection refused" not in d.log():
            time.sleep(0.1)
        assert "Connection refused" in d.log()
        assert d.ng.request({"command": "ping"})["result"] == b"pong"


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    """(certificate, key) for 127.0.0.1, made by openssl req: its own issuer."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def test_https_notification_with_a_trusted_certificate(self_signed):
    # The self-signed certificate is trusted through CURL_CA_BUNDLE, as by the curl tool.
    cert, key = self_signed
    with Recorder(tls=tls_context(cert, key)) as r, \
            notifying_daemon("https://127.0.0.1:%d/RPC2" % r.port, 2, ["--timeout=1"],
                             env={"CURL_CA_BUNDLE": cert}) as d:
        peers = answered_call(d, "tls-call")
        assert wait_gone(d, "tls-call")
        assert r.wait_for(1) == [("dlg.terminate_dlg", ["tls-call", "A", "B"])]
        time.sleep(0.5)
        assert r.calls == [("dlg.terminate_dlg", ["tls-call", "A", "B"])]
        assert all(ua.startswith("ngcp-rtpengine") for ua in r.user_agents)
        for p in peers:
            p.close()


def test_https_certificate_is_verified(self_signed):
    # Upstream's xmlrpc-c curl transport verifies the server's certificate; so do we.
    cert, key = self_signed
    env = {k: "" for k in ("CURL_CA_BUNDLE",) if k in os.environ}
    with Recorder(tls=tls_context(cert, key)) as r, \
            notifying_daemon("https://127.0.0.1:%d/RPC2" % r.port, 1, ["--timeout=1"], env=env) as d:
        answered_call(d, "untrusted")
        assert wait_gone(d, "untrusted")
        deadline = time.time() + 8
        while time.time() < deadline and "attempt 4 of 4" not in d.log():
            time.sleep(0.1)
        log = d.log()
        assert "attempt 4 of 4" in log
        assert "certificate" in log
        assert r.calls == []


@pytest.mark.parametrize("args", [["--xmlrpc-format=3"], ["--xmlrpc-format=x"], ["--b2b-url=ftp://host/"],
                                  ["--b2b-url=http://user:secret@127.0.0.1/"], ["--b2b-url=127.0.0.1"]])
def test_bad_values_refuse_startup(args):
    from rtpe_testlib import run_daemon_once
    r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-n", "127.0.0.1:%d" % free_udp_port(), "-f", "-E"]
                        + args)
    assert r.returncode != 0
    assert "invalid value" in r.stderr
