#!/usr/bin/env bash
# Forged datagrams from the kernel's side of the wire (python3 scapy, raw IP) get no answer:
#  - SYNs to a listening vigil from 0.0.0.0, 255.255.255.255, the prefix's broadcast 192.0.2.255,
#    224.0.0.1, 240.0.0.1, 127.0.0.1 and vigil's own 192.0.2.2 (a LAND attack) -- before the
#    martian filter, each drew a SYN-ACK, i.e. vigil reflected SYN floods at any address;
#  - pings from those sources (a smurf amplifier otherwise);
#  - SYN+FIN and SYN+RST (scans, and a reset in disguise);
#  - a SYN cut into IP fragments (vigil does not reassemble).
# A control SYN from the kernel's own address still gets its SYN-ACK. What vigil sent is read from
# its capture, and its counters from serve's stats event.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0" tshark
lab_inside

PY=
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import scapy.all' 2>/dev/null; then
    PY=$cand
    break
  fi
done
[ -n "$PY" ] || skip "needs python3 with scapy (Debian: python3-scapy)"

PORT=7021
out=$LAB_WORK/serve.out pcap=$LAB_WORK/serve.pcap
lab_bg "$out" "$VIGIL" serve --net "$NET" --port "$PORT" --json --pcap "$pcap"
serve=$LAST_PID
wait_for "$out" '"event":"listening"' 20

cat >"$LAB_WORK/attack.py" <<'EOF'
import sys
from scapy.all import IP, TCP, ICMP, Raw, fragment, send, conf
conf.verb = 0
vigil, kernel, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
martians = ["0.0.0.0", "255.255.255.255", "192.0.2.255", "224.0.0.1", "240.0.0.1",
            "127.0.0.1", vigil]
pkts = []
for i, src in enumerate(martians):
    pkts.append(IP(src=src, dst=vigil) / TCP(sport=40000 + i, dport=port, flags="S", seq=1000))
    pkts.append(IP(src=src, dst=vigil) / ICMP(type=8, id=0x4242, seq=i) / Raw(b"x" * 32))
pkts.append(IP(src=kernel, dst=vigil) / TCP(sport=41000, dport=port, flags="SF", seq=1000))
pkts.append(IP(src=kernel, dst=vigil) / TCP(sport=41001, dport=port, flags="SR", seq=1000))
syn = IP(src=kernel, dst=vigil) / TCP(sport=41002, dport=port, flags="S", seq=1000,
                                      options=[("MSS", 1460)]) / Raw(b"y" * 64)
pkts.extend(fragment(syn, fragsize=24))
for p in pkts:
    send(p)
# The control: a legitimate SYN (the kernel resets vigil's SYN-ACK: it never opened this).
send(IP(src=kernel, dst=vigil) / TCP(sport=41003, dport=port, flags="S", seq=1000))
print("sent=%d" % (len(pkts) + 1))
EOF
"$PY" "$LAB_WORK/attack.py" "$VIGIL_ADDR" "$KERNEL_ADDR" "$PORT" >"$LAB_WORK/attack.out" 2>&1 ||
  { cat "$LAB_WORK/attack.out"; fail "the scapy attacker failed"; }
note "attacker: $(grep "^sent=" "$LAB_WORK/attack.out")"
sleep 1
kill -INT "$serve"
wait_exit "$serve" 20 || true

# What vigil sent (the forged LAND datagrams carry its address as their source too).
FROM_VIGIL="ip.src==$VIGIL_ADDR && ip.dst!=$VIGIL_ADDR"
synacks=$(tshark_count "$pcap" "$FROM_VIGIL && tcp.flags.syn==1 && tcp.flags.ack==1")
to_control=$(tshark_count "$pcap" "$FROM_VIGIL && tcp.dstport==41003 && tcp.flags.syn==1")
from_vigil=$(tshark_count "$pcap" "$FROM_VIGIL")
note "vigil sent $from_vigil datagrams: $synacks SYN-ACKs ($to_control to the control SYN)"
[ "$to_control" = 1 ] || fail "the legitimate SYN got no SYN-ACK"
[ "$synacks" = 1 ] || fail "vigil sent $((synacks - 1)) SYN-ACKs in answer to forged SYNs"
[ "$(tshark_count "$pcap" "$FROM_VIGIL && icmp")" = 0 ] || fail "vigil answered a forged ping"
# Nothing else but the control's SYN-ACK (and at most its retransmission before the kernel's RST).
[ "$from_vigil" -le 2 ] || fail "vigil sent $from_vigil datagrams to the attack"
martians=$(event_field "$out" stats ip_martians)
flags=$(event_field "$out" stats tcp_bad_flags)
frags=$(event_field "$out" stats ip_frags_dropped)
note "vigil counted ip_martians=${martians:-?} tcp_bad_flags=${flags:-?} ip_frags_dropped=${frags:-?}"
if [ -n "$martians" ]; then
  [ "$martians" = 14 ] && [ "$flags" = 2 ] && [ "$frags" -ge 2 ] ||
    fail "counters: want ip_martians=14 tcp_bad_flags=2 ip_frags_dropped>=2"
fi
note "ok"
