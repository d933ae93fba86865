#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/fuzz_stack.c into fuzz/corpus/fuzz_stack/.
Run from the repository root: python3 fuzz/corpus/make_stack_seeds.py.

Each seed is a scenario written in the harness's operation format (see the op_* functions of
fuzz/fuzz_stack.c; this file must follow them): two config bytes, then operations, each an
opcode byte and fixed-size big-endian arguments. The seeds take the stack into the states worth
mutating from: established both ways, data in flight, out-of-order queues, a zero window,
keep-alive running, TIME_WAIT, UDP sockets, ICMP errors on a live connection."""
import os
import shutil
import struct

ROOT = os.path.dirname(os.path.abspath(__file__))
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Seed:
    def __init__(self, a=0, b=0):
        self.b = bytearray([a, b])

    def op(self, code, fmt="", *args):
        self.b += bytes([code]) + struct.pack("!" + fmt, *args)
        return self

    # TCP segment from the peer. seqmode: 0 peer SND.NXT, 1 +delta, 2 keep-alive probe,
    # 3 the stack's ACK + delta, 4 blind, 5 far. ackmode: 0 what the stack sent, 1 +delta,
    # 2 SND.UNA-2^30, 3 duplicate, 4 blind, 5 far; ackmode's top bits: window 0/65535/small.
    def seg(self, flags, which=0, seqmode=0, seqd=0, ackmode=0, ackd=0, wnd=65535, dlen=0,
            syn_opts=False):
        optmode = 1 if syn_opts else 0
        self.op(0, "BBBHBHHBH", which, flags, seqmode, seqd & 0xFFFF, ackmode, ackd & 0xFFFF,
                wnd, optmode, dlen)
        if syn_opts:
            self.b += struct.pack("!BH", 0x73, 1460)   # wscale 7, SACK-permitted, MSS 1460
        return self

    def icmp(self, kind, which=0, seqmode=0, mtu=1000, raw=0):
        return self.op(3, "BBBHI", which, kind, seqmode, mtu, raw)

    def raw_ip(self, srcsel, fl, payload, proto=6, frag=0):
        self.op(4, "BBBHB", srcsel, proto, fl, frag, len(payload))
        self.b += payload
        return self

    def udp_in(self, which=0, length=100):
        return self.op(5, "BH", which, length)

    def listen(self, b=0, backlog=8):
        return self.op(6, "BB", b, backlog)

    def accept(self, h=0):
        return self.op(7, "B", h)

    def connect(self, b=0):
        return self.op(8, "B", b)

    def send(self, h, n, double=0):
        return self.op(9, "BHB", h, n, double)

    def recv(self, h, n=65535):
        return self.op(10, "BH", h, n)

    def close(self, h):
        return self.op(11, "B", h)

    def abort(self, h):
        return self.op(11 | 0x10, "B", h)

    def setopt(self, h, which, v):
        return self.op(12, "BBI", h, which, v)

    def udp(self, which, call, length=0):
        return self.op(13, "BBH", which, call, length)

    def advance(self, mode, amount):
        return self.op(14, "BH", mode, amount)

    def stack(self, which, v):
        return self.op(15, "BH", which, v)


def passive(s, backlog=8):
    """Listener (handle 0) and an accepted connection (handle 1) from 192.0.2.2:40000."""
    return (s.listen(0, backlog).seg(SYN, syn_opts=True).seg(ACK).accept(0))


def active(s, wnd=65535):
    """The stack connects to 192.0.2.2:5000 (handle 0); the peer answers."""
    return s.connect(0).seg(SYN | ACK, syn_opts=True, wnd=wnd)


def seeds():
    out = {}
    out["passive_echo_close"] = (passive(Seed()).seg(ACK | PSH, dlen=1000).recv(1)
                                 .send(1, 2000).seg(ACK).close(1).seg(FIN | ACK)
                                 .advance(2, 120).seg(ACK))
    out["active_transfer"] = (active(Seed()).send(0, 30000).seg(ACK).advance(1, 300).seg(ACK)
                              .seg(ACK | PSH, dlen=1400).recv(0).seg(FIN | ACK).recv(0).close(0)
                              .seg(ACK).advance(2, 100))
    out["out_of_order"] = (passive(Seed(0x10)).seg(ACK, seqmode=1, seqd=1000, dlen=500)
                           .seg(ACK, seqmode=1, seqd=3000, dlen=700)
                           .seg(ACK, seqmode=3, dlen=1000).recv(1, 100).recv(1)
                           .seg(ACK, seqmode=3, dlen=2500).recv(1))
    out["zero_window_persist"] = (active(Seed(4), wnd=0).send(0, 9000).advance(2, 600)
                                  .seg(ACK, ackmode=0x40).advance(3, 3).close(0).advance(3, 2))
    out["keepalive_abort"] = (passive(Seed()).setopt(1, 1, 1000).setopt(1, 2, 100)
                              .setopt(1, 3, 3).setopt(1, 0, 1).advance(2, 2)
                              .seg(ACK, seqmode=2).advance(2, 10).recv(1))
    out["keepalive_peer_probe"] = (passive(Seed(0x20)).seg(ACK, seqmode=2, dlen=1)
                                   .seg(ACK, seqmode=2).setopt(1, 0, 1).advance(3, 3))
    out["rst_and_syn_in_window"] = (passive(Seed()).seg(RST, seqmode=1, seqd=100)
                                    .seg(SYN, seqmode=0x81, seqd=5).seg(RST | ACK, seqmode=3)
                                    .recv(1))
    out["old_ack_rfc5961"] = (active(Seed()).send(0, 4000).seg(ACK | PSH, ackmode=2, dlen=100)
                              .seg(ACK, ackmode=0x42).recv(0).advance(1, 2000).seg(ACK))
    out["icmp_frag_needed"] = (active(Seed()).send(0, 20000).icmp(4, mtu=1000)
                               .advance(1, 500).seg(ACK).icmp(4, mtu=100).advance(1, 500))
    out["icmp_unreachable_connect"] = (Seed().connect(0).icmp(1).icmp(0, seqmode=0x42)
                                       .icmp(3).advance(2, 200))
    out["icmp_blackhole"] = (active(Seed()).send(0, 20000, 1).advance(2, 30).seg(ACK)
                             .advance(2, 300))
    out["udp_roundtrip"] = (Seed().udp(0, 0).udp(0, 1).udp_in(0, 100).udp_in(0, 0)
                            .udp(0, 4, 50).udp(0, 4, 500).udp(0, 2).udp(0, 3, 77).udp(0, 3 | 8, 10)
                            .icmp(0x83).udp(0, 5))
    out["martian_syns"] = Seed().listen(0)
    for src in range(3, 9):
        syn = struct.pack("!HHIIBBHHH", 40001, 80, 12345, 0, 5 << 4, SYN, 1024, 0, 0)
        out["martian_syns"].raw_ip(src, 4, syn)
    out["syn_flood"] = Seed(0, 4 | 32).listen(0, 4)
    for i in range(16):
        out["syn_flood"].seg(SYN, which=0xC0 | i, syn_opts=True)
    out["syn_flood"].seg(ACK, which=3).accept(0).advance(1, 5000)
    out["time_wait_reopen"] = (passive(Seed()).close(1).seg(ACK).seg(FIN | ACK).advance(1, 10)
                               .seg(SYN, which=0xC0, syn_opts=True).advance(2, 70)
                               .seg(SYN, which=0xC0, syn_opts=True).seg(ACK).accept(0))
    out["listener_close_with_queue"] = (passive(Seed()).seg(SYN, which=0xC1).seg(ACK, which=1)
                                        .close(0).recv(0))
    out["retransmit_timeout"] = (active(Seed(0x40)).send(0, 5000).advance(3, 2).recv(0)
                                 .send(0, 10))
    out["maxrt"] = (active(Seed()).setopt(0, 4, 3000).send(0, 100).advance(1, 10000).recv(0))
    out["simultaneous_open"] = (Seed().connect(0).seg(SYN, syn_opts=True).seg(ACK)
                                .send(0, 100).seg(ACK))
    # Regression (fuzz_stack found it): TCP_MAXRT switched off the SYN's retransmission count,
    # so this orphan in SYN_RECEIVED lived for ever (tests/test_hostile_silent_handshake.c).
    out["regress_syn_received_maxrt_orphan"] = (Seed().connect(0).seg(SYN, syn_opts=True)
                                                .setopt(0, 4, 5000).close(0).advance(3, 2))
    out["icmp_echo_no_pmtud"] = (active(Seed(0, 64)).icmp(10).send(0, 3000).icmp(4, mtu=600)
                                 .seg(ACK).advance(1, 100))
    out["syn_flood_no_cookies"] = Seed(0x80, 4).listen(0, 4)
    for i in range(8):
        out["syn_flood_no_cookies"].seg(SYN, which=0xC0 | i, syn_opts=True)
    out["syn_flood_no_cookies"].seg(ACK, which=7).accept(0).advance(2, 100)
    out["fragments_and_options"] = (Seed().listen(0).raw_ip(0, 0x10 | 4, b"\0" * 24, frag=0x2000)
                                    .raw_ip(0, 3, b"\x45" + b"\0" * 30, proto=99)
                                    .raw_ip(0, 0x20 | 0xC0 | 4, b"\0" * 40))
    out["shutdown_half_close"] = (passive(Seed()).setopt(1, 7, 0).seg(ACK)
                                  .seg(ACK | PSH, dlen=300).recv(1).seg(FIN | ACK).recv(1)
                                  .close(1).advance(2, 100))
    out["tight_memory"] = (passive(Seed(8)).send(1, 60000, 1).seg(ACK | PSH, dlen=2000)
                           .seg(ACK | PSH, dlen=2000).recv(1).abort(1))
    out["link_down"] = (active(Seed()).stack(0, 0).send(0, 1000).advance(2, 10).stack(0, 1)
                        .advance(2, 10).seg(ACK))
    out["sysparams_probe_count"] = (passive(Seed(1)).stack(1 | 0x20, 500).setopt(1, 0, 1)
                                    .advance(2, 60).recv(1))
    return out


if __name__ == "__main__":
    d = os.path.join(ROOT, "fuzz_stack")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, s in seeds().items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes(s.b))
