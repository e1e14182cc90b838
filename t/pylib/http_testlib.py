"""Helpers for the HTTP, HTTPS and WebSocket control tests: a daemon listening on both,
a self-signed certificate made with openssl, and a small RFC 6455 client (Debian 12's
python3 has none built in)."""

import base64
import hashlib
import http.client
import os
import socket
import ssl
import struct
import subprocess
import tempfile

from rtpe_testlib import bencode, bdecode, free_tcp_port, start_ng_daemon, stop_ng_daemon



def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1; returns (cert path, key path)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def start_http_daemon(extra=(), https=False, threads=None):
    """Our daemon with ng over UDP and HTTP (and HTTPS when asked) on 127.0.0.1."""
    http_port = free_tcp_port()
    args = ["-d", "0", "--listen-http=127.0.0.1:%d" % http_port]
    https_port = None
    if https:
        https_port = free_tcp_port()
        workdir = tempfile.mkdtemp(prefix="cert-")
        cert, key = make_certificate(workdir)
        args += ["--listen-https=127.0.0.1:%d" % https_port, "--https-cert=" + cert, "--https-key=" + key]
    if threads is not None:
        args.append("--http-threads=%d" % threads)
    d = start_ng_daemon(args + list(extra))
    d.http_port = http_port
    d.https_port = https_port
    return d


stop_http_daemon = stop_ng_daemon


def request(port, method, path, body=None, headers=None, tls=False, timeout=5.0):
    """One request on a fresh connection; returns (status, headers dict lower-cased, body)."""
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def post_ng(port, cookie, message, json_body=False, tls=False):
    """POST /ng: returns (status, reply cookie, decoded reply)."""
    import json
    if json_body:
        payload = cookie.encode() + b" " + json.dumps(message).encode()
        content_type = "application/json"
    else:
        payload = cookie.encode() + b" " + bencode(message)
        content_type = "application/x-rtpengine-ng"
    status, headers, body = request(port, "POST", "/ng", payload, {"Content-Type": content_type}, tls=tls)
    if status != 200:
        return status, None, body
    assert headers["content-type"] == content_type
    got_cookie, _, reply = body.partition(b" ")
    decoded = json.loads(reply) if json_body else bdecode(reply)
    return status, got_cookie.decode(), decoded


class WebSocket:
    """A client side of RFC 6455: masked frames out, unmasked frames in."""

    def __init__(self, port, protocol, tls=False, timeout=5.0, path="/"):
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock)
        self.sock = sock
        self.buffer = b""
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port, "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        if protocol:
            lines.append("Sec-WebSocket-Protocol: " + protocol)
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buffer:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake: %r" % self.buffer)
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        if self.status != 101:
            raise ConnectionError("handshake refused: %s" % status_line)
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode())
                                  .digest()).decode()
        assert self.headers.get("sec-websocket-accept") == accept
        assert self.headers.get("sec-websocket-protocol") == protocol

    def close(self):
        self.sock.close()

    def send(self, payload, opcode=0x2, fin=True):
        header = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def recv(self):
        """One whole message: (opcode, payload). Control frames other than close are skipped."""
        message, opcode = b"", None
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            op = b0 & 0x0f
            if op in (0x9, 0xa):
                continue
            if op == 0x8:
                return op, data
            if op != 0:
                opcode = op
            message += data
            if b0 & 0x80:
                return opcode, message
