#!/usr/bin/env bash
# A spoofed SYN flood on a real wire does not lock Linux clients out of `vigil serve --echo`.
# From the kernel's side of the namespace, a raw socket sends 1000 SYN/s for 10 s, each from a
# forged source in 198.51.100.0/24 (tests/root/syn_flood.c); vigil's SYN-ACKs to those sources go
# back into the kernel, which has no route for them and does not forward (checked), so they die
# there and the half-open entries stay half-open, as under a real attack. Meanwhile the kernel's
# own TCP connects to vigil and echoes 100 octets, 40 times, 200 ms apart.
# Asserted: every connection succeeds and echoes (100 %), none needed a SYN retransmission
# (tcp_info) and each connect took under 1 s (the initial RTO); vigil's SYN cache stayed within
# syn_queue_max and SYN cookies answered once it was full; vigil exits cleanly on SIGINT and
# prints its counters. Printed: success rate, connect times (median/max), vigil's VmRSS before
# and during the flood, and the counters.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0"
lab_inside

PORT=7010
RATE=1000
FLOOD_S=10
CLIENTS=40
GAP_MS=200

[ "$(sysctl -n net.ipv4.ip_forward)" = 0 ] ||
  fail "forwarding is on in the namespace: SYN-ACKs to the spoofed sources would leave it"
cc -std=c11 -O2 -Wall -Wextra -Werror -o "$LAB_WORK/syn_flood" "$VIGIL_SRC/tests/root/syn_flood.c" ||
  fail "cannot build the flooder"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
stat_of() { event_field "$LAB_WORK/serve.out" stats "$1"; }

lab_bg "$LAB_WORK/serve.out" "$VIGIL" serve --net "$NET" --port "$PORT" --echo --json
serve=$LAST_PID
wait_for "$LAB_WORK/serve.out" '"event":"listening"' 20
# One echo before the flood: the path works, and the RSS baseline includes a served connection.
"$PEER" connect-echo "$VIGIL_ADDR" "$PORT" 1 0 >"$LAB_WORK/warmup.out" ||
  fail "no echo before the flood: $(cat "$LAB_WORK/warmup.out")"
rss_before=$(rss_kb "$serve")

lab_bg "$LAB_WORK/flood.out" "$LAB_WORK/syn_flood" "$VIGIL_ADDR" "$PORT" "$RATE" "$FLOOD_S"
flood=$LAST_PID
sleep 2                                   # the SYN cache (1024) is full after about 1 s
lab_bg "$LAB_WORK/client.out" "$PEER" connect-echo "$VIGIL_ADDR" "$PORT" "$CLIENTS" "$GAP_MS"
client=$LAST_PID
rss_during=0
for ((i = 0; i < 40; i++)); do            # sample vigil's memory while the flood runs (~8 s)
  kill -0 "$flood" 2>/dev/null || break
  r=$(rss_kb "$serve")
  [ "$r" -gt "$rss_during" ] && rss_during=$r
  sleep 0.2
done
rc=0
wait_exit "$client" 60 || rc=$?
wait_exit "$flood" 30 || fail "the flooder failed: $(cat "$LAB_WORK/flood.out")"
kill -INT "$serve"
wait_exit "$serve" 15 || { cat "$LAB_WORK/serve.out"; fail "vigil serve did not exit cleanly on SIGINT"; }
[ "$(count_events "$LAB_WORK/serve.out" stopped)" = 1 ] || fail "vigil printed no summary"
[ "$(count_events "$LAB_WORK/serve.out" stats)" = 1 ] || fail "vigil printed no counters"

ok=$(sed -n 's/^ok=//p' "$LAB_WORK/client.out")
median=$(sed -n 's/^connect_us_median=//p' "$LAB_WORK/client.out")
max=$(sed -n 's/^connect_us_max=//p' "$LAB_WORK/client.out")
syn_rtx=$(sed -n 's/^syn_retransmits=//p' "$LAB_WORK/client.out")
note "flood: $(cat "$LAB_WORK/flood.out") spoofed SYNs at $RATE/s"
note "clients: $ok of $CLIENTS connected and echoed; connect median ${median} us, max ${max} us; SYN retransmissions $syn_rtx"
note "vigil VmRSS: ${rss_before} kB before the flood, at most ${rss_during} kB during it"
for k in syncache_added syncache_live syncache_evicted syncache_expired syncookies_sent syncookies_ok \
         syncookies_bad listen_overflows tcbs_live tcp_tcb_limit; do
  note "stats: $k=$(stat_of $k)"
done

[ "$rc" = 0 ] && [ "$ok" = "$CLIENTS" ] ||
  { cat "$LAB_WORK/client.out"; fail "only $ok of $CLIENTS connections echoed during the flood"; }
[ "$syn_rtx" = 0 ] || { cat "$LAB_WORK/client.out"; fail "a client had to retransmit its SYN"; }
[ "$max" -lt 1000000 ] || fail "a connect took ${max} us (a SYN retransmission's worth)"
[ "$(stat_of syncookies_sent)" -gt 0 ] || fail "no SYN cookie was sent: did the flood reach vigil?"
[ "$(stat_of syncookies_ok)" -ge 1 ] || fail "no client came through a cookie while the cache was full"
[ "$(stat_of syncache_live)" -le 1024 ] || fail "the SYN cache outgrew syn_queue_max"
# A TCB for every spoofed SYN would be ~10,000: only the listener (closed by now) and clients.
[ "$(stat_of tcbs_live)" -le "$((CLIENTS + 2))" ] || fail "spoofed SYNs cost TCBs"
note "ok"
