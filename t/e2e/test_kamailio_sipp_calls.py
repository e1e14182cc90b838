"""End to end: sipp calls through Kamailio, media anchored by the daemon under test.

A sipp UAC sends INVITEs to Kamailio with the Request-URI naming a sipp UAS;
Kamailio (t/e2e/kamailio/rtpengine-calls.cfg) record-routes, relays with tm and
calls rtpengine_manage() on the INVITE (offer), on replies with SDP (answer) and on
BYE (delete). The UAC plays a G.711 RTP pcap generated here to the address of the
SDP answer; the UAS runs sipp's -rtp_echo, which sends every packet back to its
sender, so every relayed packet crosses the media proxy twice, once each way.

The test checks that all calls complete, that each UA was handed SDP pointing at
the media proxy's ports rather than at the other UA, that RTP flowed both ways
(sipp_calls.py says how), and that no session is left after the BYEs.

The daemon under test is ours (rtpe_testlib.daemon_binary(), RTPE_BUILD_DIR) unless
RTPE_E2E_DAEMON names another rtpengine-compatible binary (e.g. /usr/bin/rtpengine).
Everything runs on 127.0.0.1; every process is ended by PID; every wait is bounded.
"""

import os

from kamailio_runner import HERE, Kamailio
from rtpe_testlib import Daemon, NgClient, free_udp_port
from sipp_calls import (check_calls_completed, check_rtp_both_ways, check_sdp_names_daemon, daemon_under_test,
                        keep_logs, pick_ports, require_tools, run_calls, start_uas_and_uac, workdir)

CALLS_CFG_TEMPLATE = os.path.join(HERE, "kamailio", "rtpengine-calls.cfg")
# Flags Kamailio passes with every offer/answer (rtpengine_manage's flag string).
RTPENGINE_FLAGS = "replace-origin replace-session-connection ICE=remove"

CALLS = 10
FILE_BUDGET = 90.0

__all__ = ["workdir"]  # the fixture, imported for this file's test


def test_sipp_calls_through_kamailio_and_media_proxy(cleanup_stack, workdir):
    require_tools()
    port_min, port_max, ports = pick_ports()
    ng_port = free_udp_port()

    daemon = Daemon(binary=daemon_under_test(), args=[
        "--table=-1", "--interface=127.0.0.1", "--listen-ng=127.0.0.1:%d" % ng_port,
        "--port-min=%d" % port_min, "--port-max=%d" % port_max, "--log-level=7",
        # Free deleted calls at once, so the BYEs leave nothing for list/query to find.
        "--delete-delay=0"])
    cleanup_stack.append(daemon)
    daemon.start()

    kam = Kamailio(ng_port, template=CALLS_CFG_TEMPLATE, extra={"RTPENGINE_FLAGS": RTPENGINE_FLAGS})
    cleanup_stack.append(kam)
    kam.start()
    assert kam.show()["disabled"] == "0", kam.log()

    uas, uac = start_uas_and_uac(cleanup_stack, workdir, ports, CALLS, kam.sip_port)

    ng = NgClient(("127.0.0.1", ng_port))
    try:
        seen, uac_rx_max, uac_rc, uas_rc = run_calls(uac, uas, ng, ports[3])

        # 1. every call completed, on both sides
        summary = check_calls_completed(CALLS, uac, uas, uac_rc, uas_rc, kam, daemon)

        # 2. each UA was handed SDP naming the proxy, not the other UA
        call_ids, tags = check_sdp_names_daemon(CALLS, uac, uas, ports, port_min, port_max)

        # 3. RTP crossed the proxy both ways in every call
        check_rtp_both_ways(seen, call_ids, tags, uac_rx_max, ports[3])
        print("\n%s; RTP packets the proxy received per call (uac tag / uas tag): %s; "
              "most bytes waiting at the UAC's RTP port: %d" % (
                  summary, [sorted(p.values()) for p in seen.values()], uac_rx_max))

        # 4. nothing left after the BYEs
        assert ng.request({"command": "list"}).get("calls") == [], daemon.log()[-4000:]
        for call_id in sorted(call_ids):
            reply = ng.request({"command": "query", "call-id": call_id})
            assert reply.get("result") == b"error", (call_id, reply)
    finally:
        ng.close()
        keep_logs(workdir, daemon, kam)
