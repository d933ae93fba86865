#!/usr/bin/env bash
# Simulator captures are pcapng with a comment on exactly the packets the simulator dropped,
# saying why, as tshark reads them (frame.comment): random loss in vigil transfer and the lossy
# scenario, the NAT forgetting the flow, a partition, a crashed host. Each is checked against what
# the run itself reports or against the scenario's own instants, not against the writer's count.
set -u
VIGIL="${VIGIL_BUILD:?VIGIL_BUILD not set}/vigil"
if ! command -v tshark >/dev/null 2>&1; then
    echo "tshark not installed: skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp"     # tshark wants a writable profile directory
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
EPOCH=1704067200        # virtual time 0 in a simulator capture

# "ms<TAB>source<TAB>comment" per frame, the time in whole virtual milliseconds.
frames() {
    tshark -r "$1" -T fields -e frame.time_epoch -e ip.src -e frame.comment 2>"$tmp/tshark.err" |
        awk -F'\t' -v e=$EPOCH '{ printf "%d\t%s\t%s\n", ($1 - e) * 1000 + 0.5, $2, $3 }'
}
commented() { awk -F'\t' '$3 != ""' "$1" | wc -l; }

# ---- vigil transfer: the comments are the link's losses, as many as the run reports
"$VIGIL" transfer --bytes 200000 --loss 0.05 --seed 7 --json --pcap "$tmp/t.pcap" >"$tmp/t.out" 2>&1 ||
    fail "vigil transfer failed: $(tail -2 "$tmp/t.out")"
frames "$tmp/t.pcap" >"$tmp/t.f" || fail "tshark cannot read the transfer capture: $(cat "$tmp/tshark.err")"
lost=$(sed -n 's/.*"packets_lost":\([0-9]*\).*/\1/p' "$tmp/t.out")
[ -n "$lost" ] && [ "$lost" -gt 0 ] || fail "the transfer lost nothing (lost='$lost'): pick another seed"
[ "$(commented "$tmp/t.f")" = "$lost" ] || fail "transfer: $(commented "$tmp/t.f") commented packets, $lost lost"
[ -z "$(awk -F'\t' '$3 != "" && $3 != "dropped: random loss"' "$tmp/t.f")" ] ||
    fail "transfer: a comment other than random loss"

# A scenario's capture and JSON lines.
sim() {
    local name=$1; shift
    "$VIGIL" sim "$@" --json --pcap "$tmp/$name.pcap" >"$tmp/$name.out" 2>&1 ||
        fail "vigil sim $* failed: $(tail -2 "$tmp/$name.out")"
    frames "$tmp/$name.pcap" >"$tmp/$name.f" || fail "tshark cannot read $name: $(cat "$tmp/tshark.err")"
}
# The instants (ms) of the scenario's packet_dropped events, and of the commented frames.
# Event lines carry t_us (docs/events.md); the capture's frames are read in ms.
event_ms() { sed -n 's/^{"v":2,"t_us":\([0-9]*\),.*"event":"'"$2"'".*/\1/p' "$1" | awk '{ printf "%.0f\n", $1 / 1000 }'; }
drop_events() { event_ms "$1" packet_dropped | sort -n; }
commented_ms() { awk -F'\t' '$3 != "" { print $1 }' "$1" | sort -n; }
only_comment() {   # every comment matches the extended regex
    [ -z "$(awk -F'\t' -v re="$2" '$3 != "" && $3 !~ re' "$1")" ] || fail "$1: a comment not matching $2"
}

# ---- lossy and nat-expiry: one commented frame at each instant the scenario reports a drop
sim lossy --scenario lossy --seed 3
[ "$(drop_events "$tmp/lossy.out" | wc -l)" -gt 0 ] || fail "lossy dropped nothing"
[ "$(drop_events "$tmp/lossy.out")" = "$(commented_ms "$tmp/lossy.f")" ] ||
    fail "lossy: dropped at $(drop_events "$tmp/lossy.out" | tr '\n' ' '), commented at $(commented_ms "$tmp/lossy.f" | tr '\n' ' ')"
only_comment "$tmp/lossy.f" '^dropped: random loss$'

sim nat --scenario nat-expiry
[ "$(drop_events "$tmp/nat.out" | wc -l)" -gt 0 ] || fail "nat-expiry dropped nothing"
[ "$(drop_events "$tmp/nat.out")" = "$(commented_ms "$tmp/nat.f")" ] || fail "nat-expiry: drops and comments differ"
only_comment "$tmp/nat.f" '^dropped: NAT forgot the flow \(idle [0-9]+ ms > timeout 300000 ms\)$'
# The first probe comes 2 h after the last packet the NAT saw (the handshake's ACK at 2 ms).
first=$(awk -F'\t' '$3 != "" { print $3; exit }' "$tmp/nat.f")
[ "$first" = "dropped: NAT forgot the flow (idle 7200000 ms > timeout 300000 ms)" ] ||
    fail "nat-expiry: first comment '$first'"

# ---- partition: every frame sent from its start until its heal, and no other
sim part --scenario partition
start=$(event_ms "$tmp/part.out" partition_start)
heal=$(event_ms "$tmp/part.out" partition_heal)
want=$(awk -F'\t' -v s="$start" -v h="$heal" '$1 >= s && $1 < h { print $1 }' "$tmp/part.f" | sort -n)
[ -n "$want" ] || fail "partition: no packet during the partition ($start..$heal)"
[ "$want" = "$(commented_ms "$tmp/part.f")" ] || fail "partition: comments not on exactly the partitioned frames"
only_comment "$tmp/part.f" '^dropped: partition$'

# ---- peer-crash: every frame the client sends after the crash, and no other
sim crash --scenario peer-crash
down=$(event_ms "$tmp/crash.out" peer_down)
want=$(awk -F'\t' -v d="$down" '$1 >= d && $2 == "192.0.2.1" { print $1 }' "$tmp/crash.f" | sort -n)
[ "$(echo "$want" | wc -l)" = 11 ] || fail "peer-crash: $(echo "$want" | wc -l) client frames after the crash, want 10 probes and the RST"
[ "$want" = "$(commented_ms "$tmp/crash.f")" ] || fail "peer-crash: comments not on exactly the frames sent to the dead host"
only_comment "$tmp/crash.f" '^dropped: host down$'

# ---- alive: nothing dropped, nothing commented
sim alive --scenario alive
[ "$(commented "$tmp/alive.f")" = 0 ] || fail "alive: a comment although nothing was dropped"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "drop comments on exactly the dropped packets: transfer $lost, lossy, nat-expiry, partition, peer-crash"
