"""SRTP/SRTCP known answers for the in-kernel SRTP checks of t/kernel, computed on the host
with Debian's python3-cryptography (OpenSSL's AES and HMAC, independent of both the
module's kernel crypto API code and the daemon's lib/srtp).

The RFC 3711 transforms are written out here from the RFC (AES-CM 4.1.1, HMAC-SHA1 4.2,
key derivation 4.3, index estimation 3.3.1, SRTCP 3.4) and checked first against the
RFC's appendix B.2 (AES-CM keystream) and B.3 (key derivation) vectors, RFC 6188's
AES-256 PRF vector and libsrtp's own SRTP known answer; only then are the guest's cases
written. The guest (ktest srtp) reads the file this writes:

    case NAME rtp|rtcp [NET]           one target; NAME is the RESULT name; NET v4 (the default:
                                       all on 127.0.0.1), v6 (fd00::1 and fd00::2) or v4to6
                                       (in on IPv4, out on IPv6)
    dec SUITE KEY SALT MKI ROC IDX     decrypt parameters (or "dec -"): hex, "-" for no MKI;
                                       ROC of SSRC slot 0, highest SRTCP index of slot 0
    enc SUITE KEY SALT MKI ROC IDX     encrypt parameters (or "enc -"); IDX: SRTCP index the
                                       next packet gets
    pkt fwd IN OUT                     IN sent to the target; OUT must arrive, byte-exact
    pkt user IN -                      IN must not be forwarded (it reaches the local socket)
    pkt drop IN -                      IN must be dropped (a replay: neither forwarded nor at
                                       the local socket, counted as an error)
    state DEC_ROC ENC_ROC ENC_IDX      what blist must report at this point for slot 0 (- = any)
    update                             an update of the target before the next packet, with the
                                       dec/enc lines that follow (the others stay as they were)
    end
"""
import os
import struct

try:
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError as e:  # reported by write() and self_test(), not at import
    IMPORT_ERROR = e
else:
    IMPORT_ERROR = None

# The cases write() produces, in order (each one RESULT name in the guest); write() checks
# they are what cases() builds.
CASE_NAMES = [
    "srtp_decrypt_aes128_80", "srtp_encrypt_aes128_80", "srtp_decrypt_aes128_32_mki", "srtp_encrypt_aes192_80",
    "srtp_decrypt_aes192_32", "srtp_encrypt_aes256_32_mki", "srtp_decrypt_aes256_80", "srtp_encrypt_null_hmac_80",
    "srtp_decrypt_null_hmac_32", "srtp_decrypt_roc_csrc_ext", "srtp_to_srtp_rekeyed", "srtcp_decrypt_aes128",
    "srtcp_encrypt_aes128", "srtcp_encrypt_null_hmac", "srtcp_to_srtcp_rekeyed", "srtp_tampered", "srtcp_tampered",
    "srtp_update_rekey", "srtp_ssrc_slots", "srtp_replay", "srtcp_replay", "srtp_to_srtp_ipv4_to_ipv6",
    "srtcp_to_srtcp_ipv6",
]


def _need_cryptography():
    if IMPORT_ERROR is not None:
        raise RuntimeError("python3-cryptography is needed for the SRTP known answers: %s "
                           "(apt-get install python3-cryptography)" % IMPORT_ERROR)

# name: (cipher id of rtpengine_kernel_abi.h, master key length, SRTP tag, SRTCP tag)
SUITES = {
    "AES_CM_128_HMAC_SHA1_80": (1, 16, 10, 10),
    "AES_CM_128_HMAC_SHA1_32": (1, 16, 4, 10),
    "AES_192_CM_HMAC_SHA1_80": (2, 24, 10, 10),
    "AES_192_CM_HMAC_SHA1_32": (2, 24, 4, 10),
    "AES_256_CM_HMAC_SHA1_80": (3, 32, 10, 10),
    "AES_256_CM_HMAC_SHA1_32": (3, 32, 4, 10),
    "NULL_HMAC_SHA1_80": (0, 16, 10, 10),
    "NULL_HMAC_SHA1_32": (0, 16, 4, 10),
}


def aes_cm(key, iv, data):
    """AES in counter mode from a 16-byte IV (the low 16 bits count blocks)."""
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def prf(master_key, master_salt, label, n, index=0, kdr=0):
    """RFC 3711 4.3.1: x = key_id XOR master_salt, key_id = label || r, output AES-CM(x * 2^16)."""
    r = index // kdr if kdr else 0
    key_id = (label << 48) | r
    x = int.from_bytes(master_salt, "big") ^ key_id
    iv = (x << 16).to_bytes(16, "big")
    return aes_cm(master_key, iv, bytes(n))


class Session:
    """One direction's session keys for RTP (labels 0-2) or RTCP (3-5)."""

    def __init__(self, suite, master_key, master_salt, rtcp):
        cipher, key_len, rtp_tag, rtcp_tag = SUITES[suite]
        assert len(master_key) == key_len and len(master_salt) == 14
        base = 3 if rtcp else 0
        self.null = cipher == 0
        self.enc_key = prf(master_key, master_salt, base, key_len)
        self.auth_key = prf(master_key, master_salt, base + 1, 20)
        self.salt = prf(master_key, master_salt, base + 2, 14)
        self.tag_len = rtcp_tag if rtcp else rtp_tag

    def crypt(self, ssrc, index, data):
        if self.null:
            return data
        iv = (int.from_bytes(self.salt, "big") << 16) ^ (ssrc << 64) ^ (index << 16)
        return aes_cm(self.enc_key, iv.to_bytes(16, "big"), data)

    def tag(self, data):
        h = hmac.HMAC(self.auth_key, hashes.SHA1())
        h.update(data)
        return h.finalize()[:self.tag_len]


def rtp_header_len(p):
    h = 12 + 4 * (p[0] & 0x0F)
    if p[0] & 0x10:
        h += 4 + 4 * int.from_bytes(p[h + 2:h + 4], "big")
    return h


def srtp_protect(s, pkt, roc, mki=b""):
    h = rtp_header_len(pkt)
    seq = int.from_bytes(pkt[2:4], "big")
    ssrc = int.from_bytes(pkt[8:12], "big")
    out = pkt[:h] + s.crypt(ssrc, (roc << 16) | seq, pkt[h:])
    return out + mki + s.tag(out + struct.pack(">I", roc))


def srtcp_protect(s, pkt, index, mki=b""):
    ssrc = int.from_bytes(pkt[4:8], "big")
    body = pkt[:8] + s.crypt(ssrc, index, pkt[8:])
    e = 0 if s.null else 0x80000000
    body += struct.pack(">I", e | index)
    return body + mki + s.tag(body)


class Estimator:
    """RFC 3711 3.3.1 / appendix A index estimation for one SSRC."""

    def __init__(self, roc):
        self.roc, self.s_l = roc, None

    def index(self, seq):
        v = self.roc
        if self.s_l is not None:
            if self.s_l < 32768:
                if seq - self.s_l > 32768:
                    v = self.roc - 1
            elif self.s_l - 32768 > seq:
                v = self.roc + 1
        idx = (v << 16) | seq
        if self.s_l is None or idx > ((self.roc << 16) | self.s_l):
            self.roc, self.s_l = v, seq
        return idx


def self_test():
    """The RFC's and libsrtp's vectors; raises AssertionError on a mismatch."""
    _need_cryptography()
    # RFC 3711 B.2: AES-CM keystream
    ks = aes_cm(bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C"),
                bytes.fromhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), bytes(48))
    assert ks.hex().upper() == ("E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB"
                                "41E95B3BB0A2E8DD477901E4FCA894C0"), ks.hex()
    # RFC 3711 B.3: key derivation
    mk, ms = bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139"), bytes.fromhex("0EC675AD498AFEEBB6960B3AABE6")
    assert prf(mk, ms, 0, 16).hex().upper() == "C61E7A93744F39EE10734AFE3FF7A087"
    assert prf(mk, ms, 2, 14).hex().upper() == "30CBBC08863D8C85D49DB34A9AE1"
    assert prf(mk, ms, 1, 20).hex().upper() == "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"
    # RFC 6188 7.2: AES-256 PRF
    mk2 = bytes.fromhex("f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6")
    ms2 = bytes.fromhex("3b04803de51ee7c96423ab5b78d2")
    assert prf(mk2, ms2, 0, 32).hex() == "5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4"
    assert prf(mk2, ms2, 1, 20).hex() == "fd9c32d39ed5fbb5a9dc96b30818454d1313dc05"
    assert prf(mk2, ms2, 2, 14).hex() == "fa31791685ca444a9e07c6c64e93"
    # libsrtp's srtp_validate known answer (AES_CM_128_HMAC_SHA1_80, B.3's master key)
    s = Session("AES_CM_128_HMAC_SHA1_80", mk, ms, False)
    plain = bytes.fromhex("800f1234decafbadcafebabe" + "ab" * 16)
    assert srtp_protect(s, plain, 0).hex() == ("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402"
                                               "b78d6acc99ea179b8dbb")
    # appendix A's estimation across a wrap, and a late packet from before it
    e = Estimator(0)
    assert [e.index(q) for q in (65534, 65535, 0, 65533, 1)] == [65534, 65535, 65536, 65533, 65537]


def rtp(seq, ssrc, payload, pt=0, csrcs=(), ext=None, marker=False):
    b0 = 0x80 | len(csrcs) | (0x10 if ext is not None else 0)
    p = bytes([b0, pt | (0x80 if marker else 0)]) + struct.pack(">HII", seq, 1000 + seq * 160, ssrc)
    for c in csrcs:
        p += struct.pack(">I", c)
    if ext is not None:
        p += struct.pack(">HH", 0xBEDE, len(ext) // 4) + ext
    return p + payload


def rtcp_sr(ssrc, n):
    """A sender report with one report block, n varying the contents."""
    body = struct.pack(">IIIII", ssrc, 0x83AA7E80 + n, 0x10000000 * n, 160 * n, n)
    block = struct.pack(">IIIIII", 0x5EED0000 + n, n, n * 7, 0, 0, 0)
    pkt = bytes([0x81, 200]) + struct.pack(">H", (4 + len(body) + len(block)) // 4 - 1) + body + block
    return pkt


def key(n, length):
    return bytes((n * 37 + i * 11) & 0xFF for i in range(length))


SEQS = [65533, 65534, 65535, 0, 1, 2]  # across the rollover: ROC 0 -> 1


class Case:
    def __init__(self, name, kind, net="v4"):
        self.name, self.kind, self.net = name, kind, net
        self.dec = self.enc = None
        self.pkts = []
        self.state = None
        self.more = []  # lines after the first state: updates, packets, states

    def side(self, suite, n, mki=b"", roc=0, idx=0, rtcp=False):
        mk, ms = key(n, SUITES[suite][1]), key(n + 100, 14)
        return {"suite": suite, "key": mk, "salt": ms, "mki": mki, "roc": roc, "idx": idx,
                "s": Session(suite, mk, ms, rtcp)}

    @staticmethod
    def side_line(tag, d):
        if d is None:
            return tag + " -"
        return "%s %s %s %s %s %d %d" % (tag, d["suite"], d["key"].hex(), d["salt"].hex(), d["mki"].hex() or "-",
                                         d["roc"], d["idx"])

    @staticmethod
    def pkt_line(verdict, i, o):
        return "pkt %s %s %s" % (verdict, i.hex(), o.hex() if o else "-")

    @staticmethod
    def state_line(state):
        return "state " + " ".join("-" if v is None else str(v) for v in state)

    def text(self):
        lines = ["case %s %s %s" % (self.name, self.kind, self.net), self.side_line("dec", self.dec),
                 self.side_line("enc", self.enc)]
        lines += [self.pkt_line(*p) for p in self.pkts]
        if self.state:
            lines.append(self.state_line(self.state))
        lines += self.more
        lines.append("end")
        return "\n".join(lines) + "\n"


def rtp_case(name, dec=None, enc=None, seqs=SEQS, ssrc=0x1234ABCD, extra=None):
    """RTP through a target: decrypt with `dec` (suite, key number, mki, roc), encrypt with `enc`."""
    c = Case(name, "rtp")
    if dec:
        c.dec = c.side(dec[0], dec[1], dec[2], dec[3])
    if enc:
        c.enc = c.side(enc[0], enc[1], enc[2], enc[3])
    de = Estimator(dec[3] if dec else 0)
    ee = Estimator(enc[3] if enc else 0)
    for n, seq in enumerate(seqs):
        kw = extra(n) if extra else {}
        plain = rtp(seq, ssrc, bytes((seq + i) & 0xFF for i in range(20 + n * 7)), **kw)
        wire_in = srtp_protect(c.dec["s"], plain, de.index(seq) >> 16, c.dec["mki"]) if dec else plain
        out = srtp_protect(c.enc["s"], plain, ee.index(seq) >> 16, c.enc["mki"]) if enc else plain
        c.pkts.append(("fwd", wire_in, out))
    c.state = (de.roc if dec else None, ee.roc if enc else None, None)
    return c


def rtcp_case(name, dec=None, enc=None, count=3, ssrc=0x55667788):
    """RTCP through a target: dec = (suite, key number, mki, first SRTCP index of the sender),
    enc = (suite, key number, mki, next SRTCP index the kernel gives)."""
    c = Case(name, "rtcp")
    if dec:
        c.dec = c.side(dec[0], dec[1], dec[2], 0, 0, rtcp=True)
    if enc:
        c.enc = c.side(enc[0], enc[1], enc[2], 0, enc[3], rtcp=True)
    for n in range(count):
        plain = rtcp_sr(ssrc, n)
        wire_in = srtcp_protect(c.dec["s"], plain, dec[3] + n, c.dec["mki"]) if dec else plain
        out = srtcp_protect(c.enc["s"], plain, enc[3] + n, c.enc["mki"]) if enc else plain
        c.pkts.append(("fwd", wire_in, out))
    c.state = (None, None, enc[3] + count if enc else None)
    return c


def cases():
    cs = []
    # SRTP -> RTP and RTP -> SRTP across the rollover, the suites of the slice
    cs.append(rtp_case("srtp_decrypt_aes128_80", dec=("AES_CM_128_HMAC_SHA1_80", 1, b"", 0)))
    cs.append(rtp_case("srtp_encrypt_aes128_80", enc=("AES_CM_128_HMAC_SHA1_80", 2, b"", 0)))
    cs.append(rtp_case("srtp_decrypt_aes128_32_mki", dec=("AES_CM_128_HMAC_SHA1_32", 3, b"\x00\x00\x00\x07", 0)))
    cs.append(rtp_case("srtp_encrypt_aes192_80", enc=("AES_192_CM_HMAC_SHA1_80", 4, b"", 0)))
    cs.append(rtp_case("srtp_decrypt_aes192_32", dec=("AES_192_CM_HMAC_SHA1_32", 5, b"", 0)))
    cs.append(rtp_case("srtp_encrypt_aes256_32_mki", enc=("AES_256_CM_HMAC_SHA1_32", 6, b"\x01\x02", 0)))
    cs.append(rtp_case("srtp_decrypt_aes256_80", dec=("AES_256_CM_HMAC_SHA1_80", 7, b"", 0)))
    cs.append(rtp_case("srtp_encrypt_null_hmac_80", enc=("NULL_HMAC_SHA1_80", 8, b"", 0)))
    cs.append(rtp_case("srtp_decrypt_null_hmac_32", dec=("NULL_HMAC_SHA1_32", 9, b"", 0)))
    # a ROC handed over from userspace, and headers with CSRCs and an extension
    cs.append(rtp_case("srtp_decrypt_roc_csrc_ext", dec=("AES_CM_128_HMAC_SHA1_80", 10, b"", 7),
                       seqs=[100, 101, 103, 102],
                       extra=lambda n: {"csrcs": (0x11111111, 0x22222222)[:n % 3], "ext": b"\x10\xaa\x00\x00" * (n % 2) or None}))
    # SRTP -> SRTP, other suite and keys on each side, the two ROCs apart
    cs.append(rtp_case("srtp_to_srtp_rekeyed", dec=("AES_CM_128_HMAC_SHA1_80", 11, b"", 3),
                       enc=("AES_256_CM_HMAC_SHA1_32", 12, b"\x00\x09", 9)))
    # SRTCP
    cs.append(rtcp_case("srtcp_decrypt_aes128", dec=("AES_CM_128_HMAC_SHA1_80", 13, b"", 5)))
    cs.append(rtcp_case("srtcp_encrypt_aes128", enc=("AES_CM_128_HMAC_SHA1_32", 14, b"", 42)))
    cs.append(rtcp_case("srtcp_encrypt_null_hmac", enc=("NULL_HMAC_SHA1_80", 15, b"", 0)))
    cs.append(rtcp_case("srtcp_to_srtcp_rekeyed", dec=("AES_256_CM_HMAC_SHA1_80", 16, b"\x00\x01", 1000),
                        enc=("AES_192_CM_HMAC_SHA1_80", 17, b"", 7)))
    # tampering: a flipped tag bit, a flipped payload bit and a wrong MKI go to userspace
    # (not forwarded), the untouched packets around them are forwarded
    t = rtp_case("srtp_tampered", dec=("AES_CM_128_HMAC_SHA1_80", 18, b"\x00\x00\x00\x05", 0), seqs=[10, 11, 12, 13])
    good = t.pkts
    bad_tag = bytearray(good[1][1]); bad_tag[-1] ^= 0x01
    bad_body = bytearray(good[2][1]); bad_body[14] ^= 0x80
    bad_mki = bytearray(good[3][1]); bad_mki[-11] ^= 0xFF
    t.pkts = [good[0], ("user", bytes(bad_tag), None), ("user", bytes(bad_body), None),
              ("user", bytes(bad_mki), None), good[1], good[2], good[3]]
    cs.append(t)
    tc = rtcp_case("srtcp_tampered", dec=("AES_CM_128_HMAC_SHA1_80", 19, b"", 3), count=2)
    bad = bytearray(tc.pkts[1][1]); bad[-1] ^= 0x40
    tc.pkts = [tc.pkts[0], ("user", bytes(bad), None), tc.pkts[1]]
    cs.append(tc)
    cs.append(update_case())
    cs.append(slots_case())
    cs.append(replay_case())
    cs.append(srtcp_replay_case())
    c = rtp_case("srtp_to_srtp_ipv4_to_ipv6", dec=("AES_192_CM_HMAC_SHA1_32", 28, b"", 0),
                 enc=("AES_CM_128_HMAC_SHA1_80", 29, b"\x00\x00\x00\x01", 0))
    c.net = "v4to6"
    cs.append(c)
    c = rtcp_case("srtcp_to_srtcp_ipv6", dec=("NULL_HMAC_SHA1_80", 30, b"", 9), enc=("AES_256_CM_HMAC_SHA1_80", 31, b"", 1))
    c.net = "v6"
    cs.append(c)
    return cs


def replay_case():
    """RFC 3711 3.3.2 with a 128-packet list: a packet again is dropped, so is one more than
    127 behind the highest; one reordered within the list passes once."""
    c = rtp_case("srtp_replay", dec=("AES_CM_128_HMAC_SHA1_80", 25, b"", 0), enc=("AES_CM_128_HMAC_SHA1_32", 26, b"", 0),
                 seqs=[])
    de, ee = Estimator(0), Estimator(0)
    sent = {}
    for seq, verdict in [(10, "fwd"), (11, "fwd"), (11, "drop"), (12, "fwd"), (10, "drop"), (200, "fwd"),
                         (72, "drop"), (73, "fwd"), (73, "drop"), (150, "fwd"), (199, "fwd"), (200, "drop"),
                         (201, "fwd")]:
        if seq not in sent:
            plain = rtp(seq, 0x600DF00D, bytes((seq * 3 + i) & 0xFF for i in range(32)))
            wire = srtp_protect(c.dec["s"], plain, de.index(seq) >> 16)
            sent[seq] = (wire, plain)
        wire, plain = sent[seq]
        if verdict == "fwd":
            c.pkts.append(("fwd", wire, srtp_protect(c.enc["s"], plain, ee.index(seq) >> 16)))
        else:
            c.pkts.append(("drop", wire, None))
    c.state = (0, 0, None)
    return c


def srtcp_replay_case():
    c = rtcp_case("srtcp_replay", dec=("AES_CM_128_HMAC_SHA1_80", 27, b"", 500), count=3)
    first, second, third = c.pkts
    c.pkts = [first, second, ("drop", second[1], None), third, ("drop", first[1], None)]
    return c


def update_case():
    """Updates: the same keys keep the kernel's ROCs (the message's are ignored), new keys
    start from the message's."""
    c = rtp_case("srtp_update_rekey", dec=("AES_CM_128_HMAC_SHA1_80", 20, b"", 0),
                 enc=("NULL_HMAC_SHA1_80", 22, b"", 0))
    ssrc = 0x1234ABCD
    de, ee = Estimator(0), Estimator(0)
    for seq in SEQS:
        de.index(seq), ee.index(seq)
    assert (de.roc, ee.roc) == (1, 1)

    def send(seqs, dec, enc, de, ee):
        for seq in seqs:
            plain = rtp(seq, ssrc, bytes(range(seq % 50, seq % 50 + 30)))
            c.more.append(c.pkt_line("fwd", srtp_protect(dec["s"], plain, de.index(seq) >> 16, dec["mki"]),
                                     srtp_protect(enc["s"], plain, ee.index(seq) >> 16, enc["mki"])))

    # the same keys again, the message saying ROC 0: the kernel stays at 1
    c.more += ["update", c.side_line("dec", c.dec), c.side_line("enc", c.enc)]
    send([3, 4], c.dec, c.enc, de, ee)
    c.more.append(c.state_line((1, 1, None)))
    # new keys (and suites) on both sides, starting at ROC 5 and 2
    dec2 = c.side("AES_CM_128_HMAC_SHA1_32", 21, b"", 5)
    enc2 = c.side("AES_192_CM_HMAC_SHA1_80", 23, b"\x00\x03", 2)
    c.more += ["update", c.side_line("dec", dec2), c.side_line("enc", enc2)]
    send([7, 8], dec2, enc2, Estimator(5), Estimator(2))
    c.more.append(c.state_line((5, 2, None)))
    # the old keys no longer pass
    plain = rtp(9, ssrc, bytes(30))
    c.more.append(c.pkt_line("user", srtp_protect(c.dec["s"], plain, 1, b""), None))
    return c


def slots_case():
    """Four SSRC slots keep ROCs: a fifth SSRC goes to userspace, the first ones still pass."""
    c = rtp_case("srtp_ssrc_slots", dec=("AES_CM_128_HMAC_SHA1_80", 24, b"", 0), seqs=[])
    s = c.dec["s"]
    for n, ssrc in enumerate([0x1001, 0x1002, 0x1003, 0x1004, 0x1005, 0x1001, 0x1004]):
        plain = rtp(500 + n, ssrc, bytes(24))
        c.pkts.append(("user" if ssrc == 0x1005 else "fwd", srtp_protect(s, plain, 0), None if ssrc == 0x1005 else plain))
    c.state = (0, None, None)
    return c


# The SDES-SRTP call of `ktest srtpcall` (/srtp_call.txt): an offerer `a` speaking SRTP with
# this key, a plain answerer `b`, both sequences running across a rollover while the
# kernel forwards. The guest checks that b receives a's packets decrypted, byte-exact, and
# prints what a received ("SRTPCALL pkt SEQ HEX") with the key the daemon answered a with
# ("SRTPCALL key SUITE INLINE"); call_check() verifies those here.
CALL_SUITE = "AES_CM_128_HMAC_SHA1_80"
CALL_PACKETS = 100
CALL_A = (0x5A5A0001, 65510)  # SSRC and first sequence number
CALL_B = (0xB0B00002, 65500)


def _call_packets(ssrc, first):
    return [rtp((first + n) & 0xFFFF, ssrc, bytes((n * 3 + i) & 0xFF for i in range(160)))
            for n in range(CALL_PACKETS)]


def write_call(path):
    """The call's file: "key SUITE INLINE", then per packet "a SRTP_IN PLAIN_OUT" (what a
    sends, what b must receive) and "b PLAIN" (what b sends)."""
    import base64
    _need_cryptography()
    mk, ms = key(7, SUITES[CALL_SUITE][1]), key(107, 14)
    s = Session(CALL_SUITE, mk, ms, False)
    est = Estimator(0)
    with open(path, "w") as f:
        f.write("key %s %s\n" % (CALL_SUITE, base64.b64encode(mk + ms).decode()))
        for a, b in zip(_call_packets(*CALL_A), _call_packets(*CALL_B)):
            seq = int.from_bytes(a[2:4], "big")
            f.write("a %s %s\n" % (srtp_protect(s, a, est.index(seq) >> 16).hex(), a.hex()))
            f.write("b %s\n" % b.hex())


def call_check(console):
    """What a received in the guest's SRTP call, checked against b's packets protected with
    the key the daemon answered with (ROC following the sequence across the rollover).
    Returns (verified packets, sequence numbers after the rollover among them, problems)."""
    import base64
    key_line = [l.split() for l in console.splitlines() if l.startswith("SRTPCALL key ")]
    dumps = [l.split() for l in console.splitlines() if l.startswith("SRTPCALL pkt ")]
    if len(key_line) != 1 or len(key_line[0]) != 4:
        return 0, 0, ["want one 'SRTPCALL key SUITE INLINE' line, got %d" % len(key_line)]
    suite, inline = key_line[0][2], key_line[0][3]
    if suite not in SUITES:
        return 0, 0, ["answered suite %s unknown here" % suite]
    raw = base64.b64decode(inline + "=" * (-len(inline) % 4))
    s = Session(suite, raw[:SUITES[suite][1]], raw[SUITES[suite][1]:], False)
    est = Estimator(0)
    expected = {}
    for b in _call_packets(*CALL_B):
        seq = int.from_bytes(b[2:4], "big")
        expected[seq] = srtp_protect(s, b, est.index(seq) >> 16)
    problems, wrapped, ok = [], 0, 0
    for d in dumps:
        seq, got = int(d[2]), bytes.fromhex(d[3])
        if expected.get(seq) != got:
            problems.append("seq %d: got %s, want %s" % (seq, got.hex(), expected.get(seq, b"").hex()))
        else:
            ok += 1
            wrapped += seq < CALL_B[1]
    return ok, wrapped, problems


def case_names():
    return list(CASE_NAMES)


def write(path):
    self_test()
    built = cases()
    names = [c.name for c in built]
    if names != CASE_NAMES:
        raise AssertionError("srtp_vectors.CASE_NAMES is stale: the cases are %s" % names)
    with open(path, "w") as f:
        for c in built:
            f.write(c.text())
    return names


if __name__ == "__main__":
    import sys
    names = write(sys.argv[1] if len(sys.argv) > 1 else os.devnull)
    print("\n".join(names))
