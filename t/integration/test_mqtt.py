"""MQTT publishing (--mqtt-*) against Debian's mosquitto broker: the documents of each
scope, compared in structure with what Debian's rtpengine 10.5 (the oracle) publishes for
the same call; a broker that is down at start or killed mid-call (media and ng keep going,
the daemon reconnects); TLS with a CA made by openssl. A missing oracle, broker or client
fails the tests."""

import json
import os
import re
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

import pytest

from rtpe_testlib import free_tcp_port, start_ng_daemon, stop_ng_daemon

UPSTREAM = "/usr/bin/rtpengine"
MOSQUITTO = "/usr/sbin/mosquitto"
MOSQUITTO_SUB = "/usr/bin/mosquitto_sub"
OPENSSL = "/usr/bin/openssl"
TOPIC = "rtpe/test"
INTERVAL_MS = 500


@pytest.fixture(scope="module")
def workdir():
    for path in (UPSTREAM, MOSQUITTO, MOSQUITTO_SUB):
        assert os.path.exists(path), "needs %s (scripts/install-deps.sh --test)" % path
    d = tempfile.mkdtemp(prefix="mqtt-")
    os.chmod(d, 0o755)  # mosquitto started as root reads its files as user mosquitto
    return d


class Broker:
    """Debian's mosquitto on 127.0.0.1:port; stopped by its own PID only."""

    def __init__(self, workdir, port=None, tls=None):
        self.port = port or free_tcp_port()
        self.conf = os.path.join(workdir, "mosquitto-%d.conf" % self.port)
        lines = ["listener %d 127.0.0.1" % self.port, "allow_anonymous true"]
        if tls:
            lines += ["cafile %s" % tls["ca"], "certfile %s" % tls["cert"], "keyfile %s" % tls["key"]]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log = os.path.join(workdir, "mosquitto-%d.log" % self.port)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-v", "-c", self.conf], stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                assert self.proc.poll() is None, open(self.log).read()
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start: " + open(self.log).read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(5)
        self.proc = None


class Subscriber:
    """mosquitto_sub on everything; documents as (topic, parsed JSON)."""

    def __init__(self, broker, tls=None):
        self.path = tempfile.mktemp(prefix="sub-", suffix=".log", dir=os.path.dirname(broker.conf))
        cmd = [MOSQUITTO_SUB, "-h", "127.0.0.1", "-p", str(broker.port), "-v", "-t", "#"]
        if tls:
            cmd += ["--cafile", tls["ca"]]
        self.proc = subprocess.Popen(cmd, stdout=open(self.path, "wb"), stderr=subprocess.STDOUT)
        time.sleep(0.3)

    def documents(self):
        out = []
        with open(self.path) as f:
            for line in f.read().splitlines():
                topic, _, payload = line.partition(" ")
                try:
                    out.append((topic, json.loads(payload)))
                except ValueError:
                    pass
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


def sdp(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n" % port)


class Call:
    """Offer/answer through the daemon, then RTP both ways every 20 ms on a thread."""

    def __init__(self, daemon, call_id="mqtt-call"):
        self.a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.a.bind(("127.0.0.1", 0))
        self.b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.b.bind(("127.0.0.1", 0))
        self.b.settimeout(0.5)
        r = daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft", "label": "caller",
                               "sdp": sdp(self.a.getsockname()[1])})
        self.to_b = int(re.search(rb"m=audio (\d+)", r["sdp"]).group(1))
        r = daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                               "sdp": sdp(self.b.getsockname()[1])})
        self.to_a = int(re.search(rb"m=audio (\d+)", r["sdp"]).group(1))
        self.running = True
        self.seq = 0
        self.thread = threading.Thread(target=self._send, daemon=True)
        self.thread.start()

    def _send(self):
        while self.running:
            self.seq += 1
            s = self.seq & 0xffff
            self.a.sendto(struct.pack("!BBHII", 0x80, 0, s, s * 160, 0x1234) + b"\xff" * 160, ("127.0.0.1", self.to_a))
            self.b.sendto(struct.pack("!BBHII", 0x80, 8, s, s * 160, 0x5678) + b"\xd5" * 160, ("127.0.0.1", self.to_b))
            time.sleep(0.02)

    def b_receives(self, seconds=0.5):
        """Packets B got in the next seconds (drains what was queued first)."""
        self.b.setblocking(False)
        try:
            while True:
                self.b.recv(2048)
        except BlockingIOError:
            pass
        self.b.settimeout(0.1)
        got, deadline = 0, time.time() + seconds
        while time.time() < deadline:
            try:
                self.b.recv(2048)
                got += 1
            except socket.timeout:
                pass
        return got

    def close(self):
        self.running = False
        self.thread.join()
        self.a.close()
        self.b.close()


def mqtt_args(broker, scope, extra=()):
    return ["--mqtt-host=127.0.0.1", "--mqtt-port=%d" % broker.port, "--mqtt-publish-topic=" + TOPIC,
            "--mqtt-publish-interval=%d" % INTERVAL_MS, "--mqtt-publish-scope=" + scope] + list(extra)


def run_scenario(workdir, binary, scope):
    """Documents published for one call with 2.5 s of RTP, and the daemon's ng statistics."""
    broker = Broker(workdir).start()
    sub = Subscriber(broker)
    daemon = start_ng_daemon(mqtt_args(broker, scope), binary=binary)
    try:
        call = Call(daemon)
        time.sleep(2.5)
        stats = daemon.ng.request({"command": "statistics"})["statistics"]
        call.close()
        time.sleep(0.2)
        return sub.documents(), stats
    finally:
        daemon.ng.close()
        code = daemon.stop()
        sub.stop()
        broker.stop()
        if binary is None:
            assert code == 0, daemon.log()


def shape(value, path=()):
    """Key paths and value kinds of a document, e.g. {("legs", "[]", "tag"): "str"}."""
    out = {}
    if isinstance(value, dict):
        out[path] = "object"
        for k, v in value.items():
            out.update(shape(v, path + (k,)))
    elif isinstance(value, list):
        out[path] = "list"
        for v in value:
            out.update(shape(v, path + ("[]",)))
    else:
        out[path] = {bool: "bool", int: "int", float: "float", str: "str"}.get(type(value), "null")
    return out


def stats_shape(doc):
    return {p: k for p, k in shape(doc).items()
            if p and p[0] not in ("timestamp", "calls", "call_id", "legs", "tag", "label")}


# What must be equal between the daemons (ports, timestamps and counts naturally differ).
SAME_VALUES = ("call_id", "tag", "label", "media_index", "type", "interface", "protocol", "status", "address",
               "SSRC", "codec", "clock_rate", "codec_params", "codec_format")


def identity(value):
    if isinstance(value, dict):
        return {k: identity(v) for k, v in value.items() if k in SAME_VALUES or isinstance(v, (dict, list))}
    if isinstance(value, list):
        return sorted((identity(v) for v in value), key=json.dumps)
    return value


def split(docs):
    summaries = [d for _, d in docs if "currentstatistics" in d]
    calls = [d for _, d in docs if "call_id" in d]
    return summaries, calls


@pytest.fixture(scope="module")
def published(workdir):
    results = {}
    for scope in ("global", "call", "media"):
        results[scope] = {"ours": run_scenario(workdir, None, scope),
                          "oracle": run_scenario(workdir, UPSTREAM, scope)}
    return results


@pytest.mark.parametrize("scope", ["global", "call", "media"])
def test_documents_match_oracle(published, scope):
    ours_docs, ours_stats = published[scope]["ours"]
    theirs_docs, theirs_stats = published[scope]["oracle"]
    assert ours_docs and theirs_docs
    assert {t for t, _ in ours_docs} == {t for t, _ in theirs_docs} == {TOPIC}

    ours_summaries, ours_calls = split(ours_docs)
    theirs_summaries, theirs_calls = split(theirs_docs)
    # One summary per interval (2.5 s at 500 ms: about 5), with the calls inside for "global".
    assert 3 <= len(ours_summaries) <= 7, len(ours_summaries)
    assert 3 <= len(theirs_summaries) <= 7, len(theirs_summaries)
    for summaries in (ours_summaries, theirs_summaries):
        assert all(("calls" in d) == (scope == "global") for d in summaries)
        assert all(isinstance(d["timestamp"], float) for d in summaries)

    # The statistics sections: ours are our ng "statistics" document, as upstream's are its.
    last_ours, last_theirs = ours_summaries[-1], theirs_summaries[-1]
    assert set(stats_shape(last_ours)) == {p for p in shape(ours_stats) if p}
    ours_keys, theirs_keys = stats_shape(last_ours), stats_shape(last_theirs)
    assert ours_keys == theirs_keys, (sorted(set(theirs_keys.items()) - set(ours_keys.items())),
                                      sorted(set(ours_keys.items()) - set(theirs_keys.items())))
    assert last_ours["interfaces"][0]["name"] == last_theirs["interfaces"][0]["name"] == '"default"'

    if scope == "global":
        ours_calls = [c for c in last_ours["calls"]]
        theirs_calls = [c for c in last_theirs["calls"]]
        assert len(ours_calls) == len(theirs_calls) == 1
    elif scope == "call":
        # One per call per interval, the last of each taken.
        assert abs(len(ours_calls) - len(theirs_calls)) <= 2
        ours_calls, theirs_calls = ours_calls[-1:], theirs_calls[-1:]
    else:
        # One per media (two here) per interval; the last pair taken.
        assert abs(len(ours_calls) - len(theirs_calls)) <= 4
        ours_calls = sorted(ours_calls[-2:], key=lambda d: d["tag"])
        theirs_calls = sorted(theirs_calls[-2:], key=lambda d: d["tag"])
        assert [d["tag"] for d in ours_calls] == ["ft", "tt"]

    for ours, theirs in zip(ours_calls, theirs_calls):
        ours, theirs = dict(ours), dict(theirs)
        assert shape(ours) == shape(theirs), json.dumps([ours, theirs], indent=1)
        assert identity(ours) == identity(theirs)


def test_broker_down_at_start_then_up(workdir):
    broker = Broker(workdir)  # not started: nothing listens on its port
    daemon = start_ng_daemon(mqtt_args(broker, "call"))
    try:
        call = Call(daemon)
        started = time.time()
        assert daemon.ng.request({"command": "ping"})["result"] == b"pong"
        assert time.time() - started < 0.2
        assert call.b_receives(1.0) > 20
        broker.start()
        sub = Subscriber(broker)
        time.sleep(2.5)  # one-second retries, then 500 ms intervals
        docs = sub.documents()
        sub.stop()
        assert any(d.get("call_id") == "mqtt-call" for _, d in docs), daemon.log()
        call.close()
    finally:
        stop_ng_daemon(daemon)
        broker.stop()


def test_broker_killed_mid_call(workdir):
    broker = Broker(workdir).start()
    sub = Subscriber(broker)
    daemon = start_ng_daemon(mqtt_args(broker, "global"))
    try:
        call = Call(daemon)
        time.sleep(1.2)
        assert sub.documents()
        sub.stop()
        broker.stop()
        # Media and control carry on without the broker.
        for _ in range(5):
            started = time.time()
            assert daemon.ng.request({"command": "ping"})["result"] == b"pong"
            assert time.time() - started < 0.2
        assert call.b_receives(1.5) > 40
        assert daemon.alive()
        # The broker comes back on the same port: the daemon reconnects by itself.
        broker.start()
        sub = Subscriber(broker)
        time.sleep(3.0)
        docs = sub.documents()
        sub.stop()
        assert any(d.get("calls") for _, d in docs), daemon.log()
        call.close()
    finally:
        stop_ng_daemon(daemon)
        broker.stop()


def make_tls(workdir):
    assert os.path.exists(OPENSSL), "needs openssl"
    d = os.path.join(workdir, "tls")
    os.makedirs(d, exist_ok=True)
    ca, ca_key = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    cert, key, csr = os.path.join(d, "server.pem"), os.path.join(d, "server.key"), os.path.join(d, "server.csr")
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run = lambda *a: subprocess.run([OPENSSL] + list(a), check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
        "-subj", "/CN=rtpe test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
        "-extfile", ext)
    os.chmod(d, 0o755)
    for path in (ca, cert, key):
        os.chmod(path, 0o644)
    return {"ca": ca, "cert": cert, "key": key}


def test_tls(workdir):
    tls = make_tls(workdir)
    broker = Broker(workdir, tls=tls).start()
    sub = Subscriber(broker, tls=tls)
    daemon = start_ng_daemon(mqtt_args(broker, "media", ["--mqtt-cafile=" + tls["ca"]]))
    try:
        call = Call(daemon)
        time.sleep(1.5)
        docs = sub.documents()
        assert any(d.get("tag") == "ft" for _, d in docs), (daemon.log(), open(broker.log).read()[-2000:])
        call.close()
    finally:
        sub.stop()
        stop_ng_daemon(daemon)
        broker.stop()


def test_bad_option_values_refused():
    from rtpe_testlib import run_daemon_once
    r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-n", "2223", "--mqtt-publish-scope=summary"])
    assert r.returncode != 0
    assert "invalid value 'summary' for option --mqtt-publish-scope" in r.stderr
