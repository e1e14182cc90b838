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
import subprocess
import time

from kamailio_runner import HERE, KAMAILIO_START_TIMEOUT, Kamailio, parse_kamcmd_structs
from rtpe_testlib import Daemon, NgClient, free_udp_port
from sipp_calls import (check_calls_completed, check_rtp_both_ways, check_sdp_names_daemon, daemon_under_test,
                        keep_logs, pick_ports, require_tools, run_calls, start_uas_and_uac, workdir)

CFG_TEMPLATE = os.path.join(HERE, "kamailio", "rtpproxy-calls.cfg")
# rtpproxy_manage's flags: replace the o= line and the session-level c= line too.
RTPPROXY_FLAGS = "co"

CALLS = 8
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
    require_tools()
    port_min, port_max, ports = pick_ports()
    rtpp_port = free_udp_port()
    ng_port = free_udp_port()

    daemon = Daemon(binary=daemon_under_test(), args=[
        "--table=-1", "--interface=127.0.0.1", "--listen-udp=127.0.0.1:%d" % rtpp_port,
        "--listen-ng=127.0.0.1:%d" % ng_port,
        "--port-min=%d" % port_min, "--port-max=%d" % port_max, "--log-level=7", "--delete-delay=0"])
    cleanup_stack.append(daemon)
    daemon.start()

    kam = RtpproxyKamailio(rtpp_port)
    cleanup_stack.append(kam)
    kam.start()

    uas, uac = start_uas_and_uac(cleanup_stack, workdir, ports, CALLS, kam.sip_port)

    ng = NgClient(("127.0.0.1", ng_port))
    try:
        seen, uac_rx_max, uac_rc, uas_rc = run_calls(uac, uas, ng, ports[3])

        # 1. every call completed on both sides
        summary = check_calls_completed(CALLS, uac, uas, uac_rc, uas_rc, kam, daemon)

        # 2. the daemon was spoken to in the rtpproxy protocol, and Kamailio kept it enabled
        log = daemon.log()
        assert re.search(r"Got command from udp:127\.0\.0\.1:\d+: \S+ V", log), log[-3000:]
        assert re.search(r"Got command from udp:127\.0\.0\.1:\d+: \S+ U\S* ", log), log[-3000:]
        assert re.search(r"Got command from udp:127\.0\.0\.1:\d+: \S+ L\S* ", log), log[-3000:]
        assert re.search(r"Got command from udp:127\.0\.0\.1:\d+: \S+ D\S* ", log), log[-3000:]
        proxies = kam.rtpproxies()
        assert len(proxies) == 1 and proxies[0].get("disabled") == "0", proxies

        # 3. each UA was handed SDP naming the daemon, not the other UA
        call_ids, tags = check_sdp_names_daemon(CALLS, uac, uas, ports, port_min, port_max)

        # 4. RTP crossed the daemon both ways in every call
        check_rtp_both_ways(seen, call_ids, tags, uac_rx_max, ports[3])
        print("\n%s; RTP packets per call (uac tag / uas tag): %s" % (
            summary, [sorted(p.values()) for p in seen.values()]))

        # 5. nothing left after the BYEs
        assert ng.request({"command": "list"}).get("calls") == [], daemon.log()[-4000:]
        assert daemon.alive()
    finally:
        ng.close()
        keep_logs(workdir, daemon, kam)
