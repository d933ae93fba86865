#!/usr/bin/env bash
# Bulk data from the Linux kernel into `vigil serve --discard` over a TUN device, and how vigil
# ACKs it. The TUN loop holds the ACKs of each wake-up's reads until serve has taken the data
# (vg_stack_batch_begin/_end), so the window update of that read carries them:
#  1. with the device's offloads each coalesced (GSO) segment fills the 64 KiB window and gets
#     exactly one segment back, where an ACK with a closed window and then a window update were
#     two: vigil sends at most as many segments as it receives (plus the handshake's and the
#     close's), and held some ACKs (tcp_acks_held);
#  2. with --no-offload every ACK covers at least two full-sized segments (RFC 5681 §4.2), one
#     per batch at most: at most one segment out per two in;
#  3. --discard --verify (the copying read) checks every byte of the pattern: coalescing loses
#     nothing.
# Every run must take every byte (bytes_received) with the Linux sender seeing them all ACKed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0"
lab_inside

BYTES=$((32 * 1024 * 1024))

# serve_run OUT PORT [serve options]: one connection of BYTES into vigil serve --discard.
serve_run() {
  local out=$1 port=$2; shift 2
  lab_bg "$out" "$VIGIL" serve --net "$NET" --port "$port" --discard --once --json "$@"
  local serve=$LAST_PID
  wait_for "$out" '"event":"listening"' 20
  "$PEER" send-client "$VIGIL_ADDR" "$port" "$BYTES" >"$out.client" 2>&1 || {
    cat "$out.client" "$out"; fail "the Linux sender failed"; }
  grep -qx "result=ok" "$out.client" || fail "Linux sender: $(cat "$out.client")"
  local rc=0; wait_exit "$serve" 60 || rc=$?
  [ "$rc" = 0 ] || { cat "$out"; fail "vigil serve $* exited $rc"; }
  [ "$(event_field "$out" conn_end bytes_received)" = "$BYTES" ] ||
    fail "vigil serve $* took $(event_field "$out" conn_end bytes_received) of $BYTES bytes"
  IN=$(event_field "$out" stats tcp_in)
  OUT=$(event_field "$out" stats tcp_out)
  HELD=$(event_field "$out" stats tcp_acks_held)
  note "serve${*:+ $*}: $IN segments in, $OUT out, $HELD ACKs held to the end of a batch"
}

note "run 1: offloads on"
serve_run "$LAB_WORK/serve1.out" 7301
[ "$(event_field "$LAB_WORK/serve1.out" link_stats rx_gso_frames)" -gt 0 ] ||
  fail "no GSO frame reached vigil: the coalesced path was not exercised"
[ "$HELD" -gt 0 ] || fail "no ACK was held: the loop does not batch"
[ "$OUT" -le $((IN + 4)) ] ||
  fail "vigil sent $OUT segments for $IN received: more than one answer per coalesced segment"

note "run 2: --no-offload"
serve_run "$LAB_WORK/serve2.out" 7302 --no-offload
[ "$(event_field "$LAB_WORK/serve2.out" link_stats rx_gso_frames)" = 0 ] || fail "GSO with --no-offload"
[ "$OUT" -le $((IN / 2 + 4)) ] ||
  fail "vigil sent $OUT segments for $IN received: an ACK for less than two segments"

note "run 3: --discard --verify"
serve_run "$LAB_WORK/serve3.out" 7303 --verify
[ "$(event_field "$LAB_WORK/serve3.out" conn_end verified)" = true ] || fail "the pattern did not verify"
[ "$OUT" -le $((IN + 4)) ] || fail "vigil sent $OUT segments for $IN received (--verify)"
note "ok"
