#!/usr/bin/env python3
"""Writes the seed corpora of the wire (IPv4 and IPv6) and registry fuzzers (fuzz/corpus/fuzz_wire,
fuzz/corpus/fuzz_regfile). Run from the repository root: python3 fuzz/corpus/make_seeds.py.
The seeds are small well-formed inputs; libFuzzer mutates from there. fuzz_stack's seeds are
written by fuzz/corpus/make_stack_seeds.py, which knows that harness's operation format."""
import os
import shutil
import struct

ROOT = os.path.dirname(os.path.abspath(__file__))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


SRC, DST = 0xC0000201, 0xC6336402   # fuzz_wire.c's SRC and DST


def pseudo(src, dst, proto, length):
    return struct.pack("!IIBBH", src, dst, 0, proto, length)


def tcp(flags, seq=1000, ack=0, opts=b"", data=b"", src=SRC, dst=DST):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", 40000, 80, seq, ack, off << 4, flags, 65535, 0, 0) + opts
    c = csum(pseudo(src, dst, 6, len(h) + len(data)) + h + data)
    return h[:16] + struct.pack("!H", c) + h[18:] + data


def udp(data, src=SRC, dst=DST):
    h = struct.pack("!HHHH", 5353, 53, 8 + len(data), 0)
    c = csum(pseudo(src, dst, 17, len(h) + len(data)) + h + data) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + data


def icmp(typ, code, rest=b"\0\0\0\0", data=b""):
    m = struct.pack("!BBH", typ, code, 0) + rest + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def ipv4(proto, payload, frag=0x4000, opts=b"", src=SRC, dst=DST):
    ihl = (20 + len(opts)) // 4
    h = struct.pack("!BBHHHBBHII", 0x40 | ihl, 0, ihl * 4 + len(payload), 1, frag, 64, proto, 0,
                    src, dst) + opts
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


SYN_OPTS = bytes([2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2, 8, 10]) + bytes(8) + bytes([1, 1, 1, 0])


def wire_seeds():
    syn = tcp(0x02, opts=SYN_OPTS)
    seeds = {
        "ip_tcp_syn": b"\x00" + ipv4(6, syn),
        "ip_tcp_data": b"\x00" + ipv4(6, tcp(0x18, 1001, 77, data=b"hello, world\n")),
        "ip_udp": b"\x00" + ipv4(17, udp(b"query")),
        "ip_icmp_echo": b"\x00" + ipv4(1, icmp(8, 0, b"\x12\x34\x00\x01", b"ping")),
        "ip_icmp_fragneeded": b"\x00" + ipv4(1, icmp(3, 4, b"\x00\x00\x03\xe8",
                                                     ipv4(6, syn)[:28])),
        "ip_options": b"\x00" + ipv4(6, syn, opts=b"\x01\x01\x01\x00"),
        "ip_fragment": b"\x00" + ipv4(17, udp(b"x" * 16), frag=0x2000),
        "ip_fix_tcp": b"\x04" + ipv4(6, tcp(0x12, 5, 1001, opts=SYN_OPTS)),
        "tcp_syn": b"\x01" + syn,
        "tcp_fix_rst": b"\x05" + tcp(0x04, 1001),
        "tcp_fix_badopt": b"\x05" + tcp(0x02, opts=bytes([2, 1, 0, 0])),
        "udp": b"\x02" + udp(b"datagram"),
        "udp_fix_empty": b"\x06" + udp(b""),
        "icmp_echo": b"\x03" + icmp(8, 0, b"\0\1\0\2", b"abc"),
        "icmp_fix_unreach": b"\x07" + icmp(3, 1, data=ipv4(6, syn)[:28]),
    }
    return seeds


SRC6 = bytes.fromhex("20010db8000000000000000000000001")   # fuzz_wire.c's SRC6 and DST6
DST6 = bytes.fromhex("20010db8000000000000000000000002")


def icmp6(typ, code, word, data=b"", src=SRC6, dst=DST6):
    m = struct.pack("!BBHI", typ, code, 0, word) + data
    ph = src + dst + struct.pack("!IxxxB", len(m), 58)
    return m[:2] + struct.pack("!H", csum(ph + m)) + m[4:]


def ext_opts(opts):
    """The body of a hop-by-hop or destination options header after its first two octets,
    PadN-padded so that the header is a multiple of 8 octets."""
    pad = (-(2 + len(opts))) % 8
    if pad == 1:
        opts += b"\0"
    elif pad:
        opts += bytes([1, pad - 2]) + bytes(pad - 2)
    return bytes([(2 + len(opts)) // 8 - 1]) + opts


def ipv6(payload, exts=(), proto=6, src=SRC6, dst=DST6):
    """exts: (type, body after the Next Header octet) in order; proto follows the last."""
    types = [t for t, _ in exts] + [proto]
    chain = b"".join(bytes([types[i + 1]]) + body for i, (_, body) in enumerate(exts))
    body = chain + payload
    return struct.pack("!IHBB", 0x60000000, len(body), types[0], 64) + src + dst + body


def ipv6_seeds():
    syn = tcp(0x02, opts=SYN_OPTS)
    hbh = (0, ext_opts(bytes([5, 2, 0, 0])))
    dst = (60, ext_opts(bytes([0x1E, 1, 0])))
    rt = (43, bytes([2, 4, 0]) + bytes(4) + SRC6)
    frag = (44, b"\0" + struct.pack("!HI", 0, 0x1234))
    all_exts = (hbh, dst, rt, frag, dst)
    echo = icmp6(128, 0, 0x12340001, b"ping")
    quoted = ipv6(syn, (hbh, frag))
    return {
        "ip6_tcp": b"\x08" + ipv6(syn),
        "ip6_exts_tcp": b"\x08" + ipv6(syn, all_exts),
        "ip6_routing0": b"\x08" + ipv6(syn, ((43, bytes([2, 0, 1]) + bytes(4) + SRC6),)),
        "ip6_fragment": b"\x08" + ipv6(syn, ((44, b"\0" + struct.pack("!HI", 0x0009, 7)),)),
        "ip6_icmp6_echo": b"\x08" + ipv6(echo, (dst,), proto=58),
        "ip6_fix_icmp6_ptb": b"\x0c" + ipv6(icmp6(2, 0, 1280, quoted), proto=58),
        "icmp6_echo": b"\x09" + echo,
        "icmp6_fix_param": b"\x0d" + icmp6(4, 0, 42, quoted),
        "icmp6_quote": b"\x0a" + quoted[:60 + 8],
    }


def reg_seeds():
    seeds = {}
    ex = os.path.join(ROOT, "..", "..", "examples", "registry")
    for name in sorted(os.listdir(ex)):
        with open(os.path.join(ex, name), "rb") as f:
            seeds[name] = f.read()
    key = "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\r\n"
    seeds["regedit4_minimal"] = ("REGEDIT4\r\n\r\n" + key +
                                 "\"KeepAliveTime\"=dword:0036ee80\r\n").encode()
    seeds["regedit5_utf16"] = b"\xff\xfe" + ("Windows Registry Editor Version 5.00\r\n\r\n" + key +
                                             "\"KeepAliveInterval\"=dword:000003e8\r\n"
                                             ).encode("utf-16-le")
    seeds["zero_value"] = ("REGEDIT4\n" + key + "\"KeepAliveTime\"=dword:00000000\n").encode()
    seeds["other_key"] = ("REGEDIT4\n[HKEY_CURRENT_USER\\Software]\n\"X\"=\"y\"\n").encode()
    seeds["not_a_reg"] = b"hello\n"
    return seeds


def write(corpus, seeds):
    d = os.path.join(ROOT, corpus)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("fuzz_wire", {**wire_seeds(), **ipv6_seeds()})
    write("fuzz_regfile", reg_seeds())
