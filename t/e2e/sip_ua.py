"""Just enough SIP over UDP for a test to place one call through Kamailio with SDP of its
choosing (a browser's, or a Python RTP endpoint's): INVITE / 200 OK / ACK / BYE / 200 OK,
no authentication, no retransmission beyond what loopback needs.

    uac, uas = SipUa("uac"), SipUa("uas")
    dialog = uac.invite(proxy_port, uas, offer_sdp)       # sends the INVITE via the proxy
    invite = uas.receive_request("INVITE")                # what the proxy relayed
    uas.reply(invite, 200, answer_sdp)
    ok = dialog.wait_final()                             # the 200 OK the proxy relayed
    dialog.ack(); ...; dialog.bye(); uas.reply(uas.receive_request("BYE"), 200)
"""

import random
import re
import socket
import time

from rtpe_testlib import free_udp_port


class SipMessage:
    def __init__(self, data, source):
        text = data.decode(errors="replace")
        head, _, self.body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.start = lines[0]
        self.headers = []  # [(name, value)], in order
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.append((name.strip(), value.strip()))
        self.source = source
        self.raw = text

    def all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def get(self, name):
        values = self.all(name)
        return values[0] if values else None

    @property
    def is_request(self):
        return not self.start.startswith("SIP/2.0")

    @property
    def method(self):
        return self.start.split()[0] if self.is_request else self.get("CSeq").split()[1]

    @property
    def status(self):
        return None if self.is_request else int(self.start.split()[1])


def _branch():
    return "z9hG4bK%08x" % random.getrandbits(32)


def _tag():
    return "%08x" % random.getrandbits(32)


def _uri_address(value):
    """(host, port) of the first SIP URI in a header value."""
    m = re.search(r"sip:(?:[^@;>]+@)?([0-9.]+)(?::(\d+))?", value)
    assert m, value
    return m.group(1), int(m.group(2) or 5060)


class SipUa:
    def __init__(self, user):
        self.user = user
        self.port = free_udp_port()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", self.port))
        self.received = []

    def stop(self):
        self.sock.close()

    @property
    def uri(self):
        return "sip:%s@127.0.0.1:%d" % (self.user, self.port)

    def send(self, text, address):
        self.sock.sendto(text.encode(), address)

    def receive(self, predicate, timeout=5.0):
        """The next message matching predicate (earlier ones are skipped, kept in received)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%s: no matching SIP message in %.0f s; got: %s" % (
                    self.user, timeout, [m.start for m in self.received]))
            self.sock.settimeout(left)
            try:
                data, source = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            msg = SipMessage(data, source)
            self.received.append(msg)
            if predicate(msg):
                return msg

    def receive_request(self, method, timeout=5.0):
        return self.receive(lambda m: m.is_request and m.method == method, timeout)

    def reply(self, request, status, body=None, reason=None):
        """A response to a received request, sent where its top Via says (rport aware)."""
        reason = reason or {100: "Trying", 180: "Ringing", 200: "OK"}.get(status, "Whatever")
        to = request.get("To")
        if status > 100 and ";tag=" not in to:
            request._local_tag = getattr(request, "_local_tag", None) or _tag()
            to += ";tag=" + request._local_tag
        lines = ["SIP/2.0 %d %s" % (status, reason)]
        lines += ["Via: " + v for v in request.all("Via")]
        lines += ["Record-Route: " + v for v in request.all("Record-Route")]
        lines += ["From: " + request.get("From"), "To: " + to, "Call-ID: " + request.get("Call-ID"),
                  "CSeq: " + request.get("CSeq"), "Contact: <%s>" % self.uri]
        self.send(_with_body(lines, body), _via_address(request.all("Via")[0], request.source))

    def answer_invite(self, invite, sdp):
        """200 OK with SDP to an INVITE (a fresh To tag, remembered for the dialog)."""
        invite._local_tag = _tag()
        self.reply(invite, 200, sdp)
        return invite._local_tag

    def invite(self, proxy_port, callee, sdp, call_id):
        return ClientDialog(self, proxy_port, callee, sdp, call_id)


def _with_body(lines, body):
    if body:
        lines = lines + ["Content-Type: application/sdp", "Content-Length: %d" % len(body.encode())]
        return "\r\n".join(lines) + "\r\n\r\n" + body
    return "\r\n".join(lines + ["Content-Length: 0"]) + "\r\n\r\n"


def _via_address(via, source):
    m = re.match(r"SIP/2.0/UDP\s+([0-9.]+)(?::(\d+))?(.*)", via)
    assert m, via
    rport = re.search(r";rport=(\d+)", m.group(3))
    received = re.search(r";received=([0-9.]+)", m.group(3))
    host = received.group(1) if received else m.group(1)
    port = int(rport.group(1)) if rport else int(m.group(2) or 5060)
    return host, port


class ClientDialog:
    """The caller's side of one call: INVITE sent on creation through the proxy."""

    def __init__(self, ua, proxy_port, callee, sdp, call_id):
        self.ua = ua
        self.proxy = ("127.0.0.1", proxy_port)
        self.call_id = call_id
        self.from_tag = _tag()
        self.to = "<%s>" % callee.uri
        self.remote_target = callee.uri
        self.route = []
        self.cseq = 1
        self.invite_branch = _branch()
        self.ua.send(_with_body(self._headers("INVITE %s SIP/2.0" % callee.uri, "INVITE", self.invite_branch,
                                              with_route=False), sdp), self.proxy)

    def _headers(self, start, method, branch, with_route=True, cseq=None):
        lines = [start, "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (self.ua.port, branch),
                 "Max-Forwards: 70"]
        if with_route:
            lines += ["Route: " + r for r in self.route]
        lines += ["From: <sip:%s@127.0.0.1>;tag=%s" % (self.ua.user, self.from_tag), "To: " + self.to,
                  "Call-ID: " + self.call_id, "CSeq: %d %s" % (cseq or self.cseq, method),
                  "Contact: <%s>" % self.ua.uri]
        return lines

    def wait_final(self, timeout=8.0):
        """The final response to the INVITE; on a 2xx the dialog's route set and target."""
        msg = self.ua.receive(lambda m: not m.is_request and m.method == "INVITE" and m.status >= 200, timeout)
        if msg.status < 300:
            self.to = msg.get("To")
            # Record-Route in a response is in the callee's order: the caller reverses it.
            self.route = list(reversed(msg.all("Record-Route")))
            contact = msg.get("Contact")
            self.remote_target = re.search(r"<([^>]+)>", contact).group(1) if "<" in contact else contact
        return msg

    def _next_hop(self):
        if self.route:
            return _uri_address(self.route[0])
        return _uri_address(self.remote_target)

    def ack(self):
        self.ua.send(_with_body(self._headers("ACK %s SIP/2.0" % self.remote_target, "ACK", _branch(),
                                              cseq=1), None), self._next_hop())

    def bye(self):
        self.cseq += 1
        self.ua.send(_with_body(self._headers("BYE %s SIP/2.0" % self.remote_target, "BYE", _branch()), None),
                     self._next_hop())

    def wait_bye_ok(self, timeout=5.0):
        return self.ua.receive(lambda m: not m.is_request and m.method == "BYE" and m.status >= 200, timeout)
