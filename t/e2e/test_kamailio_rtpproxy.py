"""End to end over the legacy rtpproxy protocol: sipp calls through Kamailio's rtpproxy
module, media anchored by the daemon under test through its --listen-udp port.

The same calls as test_kamailio_sipp_calls.py (a sipp UAC playing a G.711 pcap, a sipp
UAS echoing RTP back), but Kamailio (t/e2e/kamailio/rtpproxy-calls.cfg) drives the daemon
with rtpproxy_manage(): U on the INVITE, L on the 200 OK, D on the BYE. Checked: all
calls complete, each UA was handed SDP naming the daemon's address and ports, RTP
crossed the daemon both ways in every call (ng query of each call while it runs; the
daemon also listens for ng, on another port, just for this), Kamailio saw the daemon as
a working rtpproxy (rtpproxy.list), and no call is left after the BYEs.
Everything runs on 127.0.0.1; every process is ended by PID; every wait is bounded.
"""

import os
import re
import shutil
import subprocess
import time

import pytest

from kamailio_runner import HERE, KAMAILIO_START_TIMEOUT, Kamailio, parse_kamcmd_structs
from rtpe_testlib import Daemon, NgClient, free_udp_port
from test_kamailio_sipp_calls import (UAC_SCENARIO, UAS_SCENARIO, Sipp, _daemon_under_test, _header, _pick_ports,
                                      _require_tools, _sdp_media, _tag_packets, _udp_rx_queue, _wait_udp_bound,
                                      workdir, write_pcmu_pcap)

CFG_TEMPLATE = os.path.join(HERE, "kamailio", "rtpproxy-calls.cfg")
# rtpproxy_manage's flags: replace the o= line and the session-level c= line too.
RTPPROXY_FLAGS = "co"

CALLS = 8
RUN_DEADLINE_S = 55
POLL_INTERVAL_S = 0.2
FILE_BUDGET = 90.0

__all__ = ["workdir"]  # the fixture, imported for this file's test


class RtpproxyKamailio(Kamailio):
    """Kamailio with the rtpproxy module: ready once its ctl socket answers and the module
    lists our daemon."""

    def __init__(self, rtpp_port):
        super().__init__(rtpp_port, template=CFG_TEMPLATE,
                         extra={"RTPP_PORT": rtpp_port, "RTPPROXY_FLAGS": RTPPROXY_FLAGS})
        self.rtpp_url = "udp:127.0.0.1:%d" % rtpp_port

    def start(self):
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command_line(), stdout=self.log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir, start_new_session=True)
        deadline = time.time() + KAMAILIO_START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kamailio exited with %d:\n%s" % (self.proc.returncode, self.log()))
            if os.path.exists(self.ctl_sock):
                try:
                    self.rpc("core.version")
                except (subprocess.SubprocessError, AssertionError):
                    pass
                else:
                    return self
            time.sleep(0.05)
        raise RuntimeError("kamailio did not become ready:\n" + self.log())

    def rtpproxies(self):
        return [s for s in parse_kamcmd_structs(self.rpc("rtpproxy.list")) if s.get("url") == self.rtpp_url]


def test_sipp_calls_through_kamailio_rtpproxy_module(cleanup_stack, workdir):
    _require_tools()
    port_min, port_max, (uas_sip, uas_rtp, uac_sip, uac_rtp) = _pick_ports()
    rtpp_port = free_udp_port()
    ng_port = free_udp_port()

    daemon = Daemon(binary=_daemon_under_test(), args=[
        "--table=-1", "--interface=127.0.0.1", "--listen-udp=127.0.0.1:%d" % rtpp_port,
        "--listen-ng=127.0.0.1:%d" % ng_port,
        "--port-min=%d" % port_min, "--port-max=%d" % port_max, "--log-level=7", "--delete-delay=0"])
    cleanup_stack.append(daemon)
    daemon.start()

    kam = RtpproxyKamailio(rtpp_port)
    cleanup_stack.append(kam)
    kam.start()

    pcap = os.path.join(workdir, "pcmu.pcap")
    write_pcmu_pcap(pcap)
    uas = Sipp("uas", workdir, [
        "-sf", UAS_SCENARIO, "-i", "127.0.0.1", "-p", str(uas_sip),
        "-mi", "127.0.0.1", "-mp", str(uas_rtp), "-rtp_echo", "-m", str(CALLS)])
    cleanup_stack.append(uas)
    uas.start()
    assert _wait_udp_bound(uas_sip, uas.proc), uas.report()
    uac = Sipp("uac", workdir, [
        "-sf", UAC_SCENARIO, "-i", "127.0.0.1", "-p", str(uac_sip),
        "-mi", "127.0.0.1", "-mp", str(uac_rtp),
        "-key", "uas", "127.0.0.1:%d" % uas_sip, "-key", "pcap", pcap,
        "-m", str(CALLS), "-r", "4", "-l", "3",
        "127.0.0.1:%d" % kam.sip_port])
    cleanup_stack.append(uac)

    ng = NgClient(("127.0.0.1", ng_port))
    try:
        seen = {}
        uac_rx_max = 0
        deadline = time.monotonic() + RUN_DEADLINE_S
        uac.start()
        while uac.running() and time.monotonic() < deadline:
            for call_id in ng.request({"command": "list"}).get("calls", []):
                reply = ng.request({"command": "query", "call-id": call_id})
                if reply.get("result") == b"ok":
                    seen[call_id.decode()] = _tag_packets(reply)
            uac_rx_max = max(uac_rx_max, _udp_rx_queue(uac_rtp))
            time.sleep(POLL_INTERVAL_S)
        uac_rc = uac.wait(deadline)
        uas_rc = uas.wait(deadline + 5)

        # 1. every call completed on both sides
        uac_stats, uas_stats = uac.final_stats(), uas.final_stats()
        summary = "uac rc=%s %s/%s, uas rc=%s %s/%s" % (
            uac_rc, uac_stats.get("SuccessfulCall(C)"), uac_stats.get("FailedCall(C)"),
            uas_rc, uas_stats.get("SuccessfulCall(C)"), uas_stats.get("FailedCall(C)"))
        diag = "%s\n%s\n%s\n--- kamailio:\n%s\n--- daemon:\n%s" % (
            summary, uac.report(), uas.report(), kam.log()[-4000:], daemon.log()[-6000:])
        assert uac_rc == 0 and uas_rc == 0, diag
        for stats in (uac_stats, uas_stats):
            assert int(stats["SuccessfulCall(C)"]) == CALLS, diag
            assert int(stats["FailedCall(C)"]) == 0, diag

        # 2. the daemon was spoken to in the rtpproxy protocol, and Kamailio kept it enabled
        log = daemon.log()
        assert re.search(r"Got command from udp:127\.0\.0\.1:\d+: \S+ V", log), log[-3000:]
        assert re.search(r"Got command from udp:127\.0\.0\.1:\d+: \S+ U\S* ", log), log[-3000:]
        assert re.search(r"Got command from udp:127\.0\.0\.1:\d+: \S+ L\S* ", log), log[-3000:]
        assert re.search(r"Got command from udp:127\.0\.0\.1:\d+: \S+ D\S* ", log), log[-3000:]
        proxies = kam.rtpproxies()
        assert len(proxies) == 1 and proxies[0].get("disabled") == "0", proxies

        # 3. each UA was handed SDP naming the daemon, not the other UA
        invites = [m for m in uas.received_messages() if m.startswith("INVITE ")]
        answers = [m for m in uac.received_messages()
                   if m.startswith("SIP/2.0 200") and "INVITE" in (_header(m, "CSeq") or "")]
        assert len(invites) >= CALLS and len(answers) >= CALLS, (len(invites), len(answers))
        call_ids = set()
        tags = {}
        for msg in answers:
            from_tag = re.search(r";\s*tag=([^;>\s]+)", _header(msg, "From") or "")
            to_tag = re.search(r";\s*tag=([^;>\s]+)", _header(msg, "To") or "")
            assert from_tag and to_tag, msg
            tags[_header(msg, "Call-ID")] = (from_tag.group(1), to_tag.group(1))
        for msg, other_ua_port in [(m, uac_rtp) for m in invites] + [(m, uas_rtp) for m in answers]:
            addr, port = _sdp_media(msg)
            assert addr == "127.0.0.1", msg
            assert port != other_ua_port and port_min <= port <= port_max, (
                "SDP points at port %d, not into the daemon's range %d-%d:\n%s" % (port, port_min, port_max, msg))
            call_ids.add(_header(msg, "Call-ID"))
        assert len(call_ids) == CALLS, call_ids

        # 4. RTP crossed the daemon both ways in every call
        assert set(seen) == call_ids, ("calls the daemon reported while running", sorted(seen), sorted(call_ids))
        total_uac = total_uas = 0
        for call_id, packets in sorted(seen.items()):
            uac_tag, uas_tag = tags[call_id]
            from_uac, from_uas = packets.get(uac_tag, 0), packets.get(uas_tag, 0)
            assert from_uac > 0 and from_uas > 0, (call_id, packets)
            total_uac += from_uac
            total_uas += from_uas
        assert total_uas * 2 >= total_uac, (total_uac, total_uas, seen)
        assert uac_rx_max > 0, "no RTP ever reached the UAC's RTP port %d" % uac_rtp
        print("\n%s; RTP packets per call (uac tag / uas tag): %s" % (
            summary, [sorted(p.values()) for p in seen.values()]))

        # 5. nothing left after the BYEs
        assert ng.request({"command": "list"}).get("calls") == [], daemon.log()[-4000:]
        assert daemon.alive()
    finally:
        ng.close()
        if os.environ.get("RTPE_E2E_KEEP"):
            shutil.copy(daemon.log_path, os.path.join(workdir, "daemon.log"))
            shutil.copy(kam.log_path, os.path.join(workdir, "kamailio.log"))
