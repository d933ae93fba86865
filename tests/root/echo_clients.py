"""Kernel-side echo clients for the root tests of the Winsock examples.

usage: echo_clients.py ADDR PORT N LINES [--keep-last]

Opens N connections at once, sends LINES rounds of one line on each, and compares every echo
byte for byte; prints "echoes verified OK of N*LINES". With --keep-last the last connection is
left open, still idle: after the kernel's ACK of the last echo is out it prints
"vanishing LOCALPORT" and waits, so that the test can cut that connection off with nftables.
"""
import socket
import sys
import time


def main():
    args = [a for a in sys.argv[1:] if a != "--keep-last"]
    keep_last = len(args) != len(sys.argv) - 1
    addr, port, n, lines = args[0], int(args[1]), int(args[2]), int(args[3])
    conns = [socket.create_connection((addr, port), timeout=10) for _ in range(n)]
    ok = 0
    for m in range(lines):
        for i, c in enumerate(conns):
            c.sendall(f"kernel connection {i} line {m}\n".encode())
        for i, c in enumerate(conns):
            want = f"kernel connection {i} line {m}\n".encode()
            got = b""
            while len(got) < len(want):
                part = c.recv(len(want) - len(got))
                if not part:
                    break
                got += part
            ok += got == want
    print(f"echoes verified {ok} of {n * lines}", flush=True)
    for c in conns[:-1] if keep_last else conns:
        c.close()
    if keep_last:
        time.sleep(0.3)                      # the kernel's ACK of the last echo is out
        print(f"vanishing {conns[-1].getsockname()[1]}", flush=True)
        time.sleep(60)


main()
