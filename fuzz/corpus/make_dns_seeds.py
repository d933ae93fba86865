#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_dns.c: answers to its two queries (A www.example.test, PTR
1.2.0.192.in-addr.arpa, ID 0x2b3c), each prefixed by the byte that selects the query."""
import os
import struct

ID = 0x2B3C
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_dns")


def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"


def msg(qname, qtype, answers, rcode=0, tc=False):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    return (struct.pack(">HHHHHH", ID, flags, 1, len(answers), 0, 0) + name(qname)
            + struct.pack(">HH", qtype, 1) + b"".join(answers))


def rr(owner, rtype, rdata):
    return owner + struct.pack(">HHIH", rtype, 1, 60, len(rdata)) + rdata


Q = b"\xc0\x0c"   # pointer to the question's name
seeds = {
    "a_two": b"\0" + msg("www.example.test", 1, [rr(Q, 1, bytes([192, 0, 2, 1])),
                                                  rr(Q, 1, bytes([192, 0, 2, 2]))]),
    "a_cname": b"\0" + msg("www.example.test", 1, [rr(Q, 5, name("host.example.test")),
                                                    rr(name("host.example.test"), 1, bytes([198, 51, 100, 7]))]),
    "a_nxdomain": b"\0" + msg("www.example.test", 1, [], rcode=3),
    "a_tc": b"\0" + msg("www.example.test", 1, [], tc=True),
    "a_loop": b"\0" + msg("www.example.test", 1, [rr(b"\xc0\x22", 1, bytes([192, 0, 2, 1]))]),
    "ptr": b"\1" + msg("1.2.0.192.in-addr.arpa", 12, [rr(Q, 12, name("host.example.test"))]),
}
os.makedirs(OUT, exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(OUT, k), "wb") as f:
        f.write(v)
