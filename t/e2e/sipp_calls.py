"""sipp calls for the end-to-end tests: a sipp UAC playing a G.711 RTP pcap generated
here, a sipp UAS echoing RTP back (-rtp_echo), both on 127.0.0.1 and sending their SIP
through Kamailio, which drives the daemon under test (over ng or the rtpproxy protocol,
as the test's Kamailio configuration says).

What both tests check of such a run is here too: every call completed on both sides,
each UA was handed SDP naming the daemon rather than the other UA, and RTP crossed the
daemon both ways in every call (the daemon's ng query of each call while it runs, per
party, and the kernel's receive queue of the UAC's RTP port, which sipp's UAC does not
read; sipp 3.6.1's final screen dump loses its RTP counters, so they are not used).

The daemon under test is ours (rtpe_testlib.daemon_binary(), RTPE_BUILD_DIR) unless
RTPE_E2E_DAEMON names another rtpengine-compatible binary (e.g. /usr/bin/rtpengine).
Every process is ended by PID; every wait is bounded.
"""

import csv
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pytest

from kamailio_runner import HERE, require_kamailio
from rtpe_testlib import daemon_binary, free_udp_port

UAC_SCENARIO = os.path.join(HERE, "sipp", "uac_rtp.xml")
UAS_SCENARIO = os.path.join(HERE, "sipp", "uas_rtp.xml")

SIPP = os.environ.get("SIPP", shutil.which("sipp") or "/usr/bin/sipp")

RTP_PACKETS = 75          # 1.5 s of 20 ms PCMU frames per call
PTIME_S = 0.020
PORT_RANGE = 200          # media ports the daemon may hand out
SIPP_TIMEOUT_S = 45       # sipp's own global timeout (-timeout, failing with -timeout_error)
RUN_DEADLINE_S = 55       # then we kill it by PID
POLL_INTERVAL_S = 0.2


def daemon_under_test():
    return os.environ.get("RTPE_E2E_DAEMON") or daemon_binary()


def require_tools():
    require_kamailio()
    if not (os.path.isfile(SIPP) and os.access(SIPP, os.X_OK)):
        pytest.fail("%s not found; install Debian's sip-tester" % SIPP)
    binary = daemon_under_test()
    if not os.access(binary, os.X_OK):
        pytest.fail("daemon binary %s not found; set RTPE_BUILD_DIR or RTPE_E2E_DAEMON" % binary)


# --- a G.711 RTP pcap for sipp's play_pcap_audio ---------------------------------

def ip_checksum(header):
    total = sum(struct.unpack("!%dH" % (len(header) // 2), header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def write_pcmu_pcap(path, packets=RTP_PACKETS, src_port=16000, dst_port=16002):
    """An Ethernet pcap of `packets` RTP packets (PT 0, 160 bytes of PCMU each, 20 ms apart).
    sipp rewrites the addresses and ports when it plays it."""
    ssrc = random.getrandbits(32)
    seq0 = random.getrandbits(16)
    ts0 = random.getrandbits(32)
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i in range(packets):
        # A 400 Hz-ish square wave in mu-law, so the payload is not all silence.
        payload = bytes((0x1F if (j // 10) % 2 else 0x9F) for j in range(160))
        rtp = struct.pack("!BBHII", 0x80, 0x80 if i == 0 else 0x00, (seq0 + i) & 0xFFFF,
                          (ts0 + 160 * i) & 0xFFFFFFFF, ssrc) + payload
        udp_len = 8 + len(rtp)
        udp = struct.pack("!HHHH", src_port, dst_port, udp_len, 0) + rtp
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, i & 0xFFFF, 0x4000, 64,
                                   17, 0, socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1")))
        ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
        frame = b"\x00" * 12 + b"\x08\x00" + bytes(ip) + udp
        t = i * PTIME_S
        out.append(struct.pack("<IIII", 1700000000 + int(t), int(round((t % 1) * 1e6)), len(frame), len(frame)))
        out.append(frame)
    with open(path, "wb") as f:
        f.write(b"".join(out))


# --- sipp ------------------------------------------------------------------------

class Sipp:
    """One sipp in the foreground (no curses: -nostdin, stdout to a file), its traces in workdir."""

    def __init__(self, name, workdir, args):
        self.name = name
        self.workdir = workdir
        self.messages_path = os.path.join(workdir, name + "-messages.log")
        self.stat_path = os.path.join(workdir, name + "-stat.csv")
        self.screen_path = os.path.join(workdir, name + "-screen.log")
        self.errors_path = os.path.join(workdir, name + "-errors.log")
        self.out_path = os.path.join(workdir, name + "-stdout.log")
        self.cmd = [SIPP] + list(args) + [
            "-nostdin", "-cp", str(free_udp_port()),
            "-timeout", "%ds" % SIPP_TIMEOUT_S, "-timeout_error",
            "-trace_msg", "-message_file", self.messages_path,
            "-trace_stat", "-stf", self.stat_path, "-fd", "1",
            "-trace_screen", "-screen_file", self.screen_path,
            "-trace_err", "-error_file", self.errors_path,
        ]
        self.proc = None
        self.out_file = None

    def start(self):
        self.out_file = open(self.out_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.out_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir)
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait(self, deadline):
        """Exit code, or kills sipp by PID and fails once the deadline (monotonic) passes."""
        try:
            return self.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail("%s overran its deadline and was killed:\n%s" % (self.name, self.report()))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(3)
        if self.out_file is not None:
            self.out_file.close()
            self.out_file = None

    def _read(self, path):
        try:
            with open(path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def messages(self):
        return self._read(self.messages_path)

    def screen(self):
        return self._read(self.screen_path)

    def report(self):
        return "--- %s stdout:\n%s\n--- screen:\n%s\n--- errors:\n%s" % (
            self.name, self._read(self.out_path)[-3000:], self.screen()[-4000:],
            self._read(self.errors_path)[-3000:])

    def final_stats(self):
        """The last row of the -trace_stat CSV as a dict."""
        with open(self.stat_path, newline="") as f:
            rows = list(csv.reader(f, delimiter=";"))
        assert len(rows) >= 2, rows
        return dict(zip(rows[0], rows[-1]))

    def received_messages(self):
        """The SIP messages sipp logged as received (-trace_msg)."""
        blocks = re.split(r"\n-{5,}[^\n]*\n", "\n" + self.messages())
        out = []
        for block in blocks:
            head, sep, msg = block.partition("\n")
            if not sep:
                continue
            if re.search(r"message received", head):
                out.append(msg.strip("\n"))
        return out


def sdp_media(message):
    """(connection address, audio port) of the SDP body of a SIP message."""
    body = message.replace("\r\n", "\n").split("\n\n", 1)[1]
    conn = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    media = re.search(r"^m=audio (\d+) ", body, re.M)
    assert conn and media, message
    return conn.group(1), int(media.group(1))


def header(message, name):
    m = re.search(r"^%s\s*:\s*(.*?)\s*$" % re.escape(name), message, re.M | re.I)
    return m.group(1) if m else None


def udp_rx_queue(port):
    """Bytes waiting in the receive queue of the UDP socket bound to 127.0.0.1:port."""
    total = 0
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local = fields[1]
            addr, _, hexport = local.partition(":")
            if int(hexport, 16) == port and addr == "0100007F":
                total += int(fields[4].split(":")[1], 16)
    return total


def tag_packets(query_reply):
    """{tag: RTP packets the proxy received from that party} from an ng query reply."""
    out = {}
    for tag, info in query_reply.get("tags", {}).items():
        packets = 0
        for media in info.get("medias", []):
            for stream in media.get("streams", []):
                packets += int(stream.get("stats", {}).get("packets", 0))
        out[tag] = packets
    return out


# --- fixtures ----------------------------------------------------------------------

@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="rtpe-sipp-")
    yield path
    if os.environ.get("RTPE_E2E_KEEP"):
        print("kept", path)
    else:
        shutil.rmtree(path, ignore_errors=True)


def pick_ports():
    """A media port range for the daemon and SIP/RTP ports for the UAs outside it."""
    for _ in range(50):
        port_min = random.randrange(30000, 59000 - PORT_RANGE, 2)
        port_max = port_min + PORT_RANGE - 1
        others = set()
        while len(others) < 4:
            p = free_udp_port()
            if not (port_min - 4 <= p <= port_max + 4):
                others.add(p)
        if len(others) == 4:
            return port_min, port_max, sorted(others)
    raise RuntimeError("no port layout found")


def wait_udp_bound(port, proc, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
        finally:
            s.close()
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


# --- one run of calls and what is checked of it ----------------------------------

def start_uas_and_uac(cleanup_stack, workdir, ports, calls, proxy_sip_port):
    """Writes the pcap, starts the UAS and waits until its SIP port is bound; returns
    (uas, uac), the UAC set up to send `calls` calls to proxy_sip_port but not started.
    ports: (uas_sip, uas_rtp, uac_sip, uac_rtp), as pick_ports() gives them."""
    uas_sip, uas_rtp, uac_sip, uac_rtp = ports
    pcap = os.path.join(workdir, "pcmu.pcap")
    write_pcmu_pcap(pcap)

    uas = Sipp("uas", workdir, [
        "-sf", UAS_SCENARIO, "-i", "127.0.0.1", "-p", str(uas_sip),
        "-mi", "127.0.0.1", "-mp", str(uas_rtp), "-rtp_echo", "-m", str(calls)])
    cleanup_stack.append(uas)
    uas.start()
    assert wait_udp_bound(uas_sip, uas.proc), uas.report()

    uac = Sipp("uac", workdir, [
        "-sf", UAC_SCENARIO, "-i", "127.0.0.1", "-p", str(uac_sip),
        "-mi", "127.0.0.1", "-mp", str(uac_rtp),
        "-key", "uas", "127.0.0.1:%d" % uas_sip, "-key", "pcap", pcap,
        "-m", str(calls), "-r", "4", "-l", "3",
        # A 200 OK retransmitted by the UAS while the UAC is in its pause must not kill
        # the call ("Dead call ... aborted at index 5"); it happened under heavy load.
        "-default_behaviors", "all,-abortunexp",
        "127.0.0.1:%d" % proxy_sip_port])
    cleanup_stack.append(uac)
    return uas, uac


def run_calls(uac, uas, ng, uac_rtp):
    """Starts the UAC and waits for both UAs to finish. While the calls run: the daemon's
    view of each call (RTP packets per tag from the latest query reply per call-id) and
    the most RTP seen waiting at the UAC's RTP port (sipp's UAC does not read it, so
    what the daemon relays to the UAC piles up there).
    Returns (seen, uac_rx_max, uac_rc, uas_rc)."""
    seen = {}
    uac_rx_max = 0
    deadline = time.monotonic() + RUN_DEADLINE_S
    uac.start()
    while uac.running() and time.monotonic() < deadline:
        for call_id in ng.request({"command": "list"}).get("calls", []):
            reply = ng.request({"command": "query", "call-id": call_id})
            if reply.get("result") == b"ok":
                seen[call_id.decode()] = tag_packets(reply)
        uac_rx_max = max(uac_rx_max, udp_rx_queue(uac_rtp))
        time.sleep(POLL_INTERVAL_S)
    uac_rc = uac.wait(deadline)
    uas_rc = uas.wait(deadline + 5)
    return seen, uac_rx_max, uac_rc, uas_rc


def check_calls_completed(calls, uac, uas, uac_rc, uas_rc, kam, daemon):
    """Every call completed, on both sides. Returns a one-line summary."""
    uac_stats, uas_stats = uac.final_stats(), uas.final_stats()
    summary = "uac rc=%s %s/%s, uas rc=%s %s/%s" % (
        uac_rc, uac_stats.get("SuccessfulCall(C)"), uac_stats.get("FailedCall(C)"),
        uas_rc, uas_stats.get("SuccessfulCall(C)"), uas_stats.get("FailedCall(C)"))
    diag = "%s\n%s\n%s\n--- kamailio:\n%s\n--- daemon:\n%s" % (
        summary, uac.report(), uas.report(), kam.log()[-4000:], daemon.log()[-6000:])
    assert uac_rc == 0 and uas_rc == 0, diag
    for stats in (uac_stats, uas_stats):
        assert int(stats["SuccessfulCall(C)"]) == calls, diag
        assert int(stats["FailedCall(C)"]) == 0, diag
    return summary


def check_sdp_names_daemon(calls, uac, uas, ports, port_min, port_max):
    """Each UA was handed SDP naming the daemon (an address on 127.0.0.1, a port in its
    range), not the other UA. Returns (call_ids, tags): the set of Call-IDs, and per
    Call-ID (UAC's From tag, UAS's To tag), from the 200 OKs the UAC got."""
    _, uas_rtp, _, uac_rtp = ports
    invites = [m for m in uas.received_messages() if m.startswith("INVITE ")]
    answers = [m for m in uac.received_messages()
               if m.startswith("SIP/2.0 200") and "INVITE" in (header(m, "CSeq") or "")]
    assert len(invites) >= calls and len(answers) >= calls, (len(invites), len(answers))
    call_ids = set()
    tags = {}
    for msg in answers:
        from_tag = re.search(r";\s*tag=([^;>\s]+)", header(msg, "From") or "")
        to_tag = re.search(r";\s*tag=([^;>\s]+)", header(msg, "To") or "")
        assert from_tag and to_tag, msg
        tags[header(msg, "Call-ID")] = (from_tag.group(1), to_tag.group(1))
    for msg, other_ua_port in [(m, uac_rtp) for m in invites] + [(m, uas_rtp) for m in answers]:
        addr, port = sdp_media(msg)
        assert addr == "127.0.0.1", msg
        assert port != other_ua_port and port_min <= port <= port_max, (
            "SDP points at port %d, not into the daemon's range %d-%d:\n%s" % (port, port_min, port_max, msg))
        call_ids.add(header(msg, "Call-ID"))
    assert len(call_ids) == calls, call_ids
    return call_ids, tags


def check_rtp_both_ways(seen, call_ids, tags, uac_rx_max, uac_rtp):
    """RTP crossed the daemon both ways in every call (seen, uac_rx_max: from run_calls)."""
    assert set(seen) == call_ids, ("calls the daemon reported while running", sorted(seen), sorted(call_ids))
    total_uac = total_uas = 0
    for call_id, packets in sorted(seen.items()):
        uac_tag, uas_tag = tags[call_id]
        from_uac, from_uas = packets.get(uac_tag, 0), packets.get(uas_tag, 0)
        assert from_uac > 0 and from_uas > 0, (
            "call %s: RTP packets the daemon received from UAC=%d, from UAS=%d %s"
            % (call_id, from_uac, from_uas, packets))
        total_uac += from_uac
        total_uas += from_uas
    # The UAS echoes what the daemon relays to it: on loopback nearly all of it comes back.
    assert total_uas * 2 >= total_uac, (total_uac, total_uas, seen)
    assert uac_rx_max > 0, "no RTP ever reached the UAC's RTP port %d" % uac_rtp


def keep_logs(workdir, daemon, kam):
    """With RTPE_E2E_KEEP set, the daemon's and Kamailio's logs go into the kept workdir."""
    if os.environ.get("RTPE_E2E_KEEP"):
        shutil.copy(daemon.log_path, os.path.join(workdir, "daemon.log"))
        shutil.copy(kam.log_path, os.path.join(workdir, "kamailio.log"))
