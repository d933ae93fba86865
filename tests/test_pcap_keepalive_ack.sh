#!/usr/bin/env bash
# Wireshark's reading of a simulated capture agrees with the run: for every built-in scenario,
# under each profile, with and without --garbage-octet (and the lossy one under several seeds),
#   - tshark marks as tcp.analysis.keep_alive exactly the probes the client sent (its
#     probe_sent events), all from the client;
#   - tshark marks as tcp.analysis.keep_alive_ack exactly the answers the server sent (its
#     peer_probe_answered events), all from the server;
#   - tshark marks no packet tcp.analysis.window_update (nothing in these runs changes a window).
# "Sent" is what counts, not "arrived": a capture is written as each packet leaves its host,
# so it holds the probes and answers the simulated wire then lost (the lossy verdict's
# probes_lost and answers_lost). An answer is an ACK the server sent to a probe; the RST of a
# rebooted server is no answer, and neither is anything the server never got to see.
# Wireshark compares the raw 16-bit window fields of consecutive segments, so this fails
# whenever the SYN-ACK's window field differs from the field of the first answer.
set -u
VIGIL="${VIGIL_BUILD:?VIGIL_BUILD not set}/vigil"
if ! command -v tshark >/dev/null 2>&1; then
    echo "tshark not installed: skipped (scripts/install-deps installs it)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp"            # tshark's profile: defaults, not the user's preferences
fails=0
runs=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

CLIENT=192.0.2.1
SERVER=192.0.2.2

# events EVENT: the JSON lines of that event in the run's output.
events() {
    local n
    n=$(grep -c "\"event\":\"$1\"" "$tmp/out") || true
    echo "${n:-0}"
}

# check ARGS...: one `vigil sim` run with a capture, compared with tshark's analysis of it.
check() {
    local what="vigil sim $*"
    runs=$((runs + 1))
    if ! "$VIGIL" sim "$@" --json --pcap "$tmp/c.pcap" >"$tmp/out" 2>"$tmp/err"; then
        fail "$what exited non-zero: $(cat "$tmp/err")"
        return
    fi
    if ! tshark -r "$tmp/c.pcap" -o tcp.analyze_sequence_numbers:TRUE -T fields -E separator=, \
        -e ip.src -e tcp.analysis.keep_alive -e tcp.analysis.keep_alive_ack \
        -e tcp.analysis.window_update >"$tmp/fields" 2>"$tmp/tshark.err"; then
        fail "$what: tshark could not read the capture: $(cat "$tmp/tshark.err")"
        return
    fi
    local counts probes answers wrong_way updates
    # One line per packet: source, then 1 or nothing for each of the three marks.
    counts=$(awk -F, -v c="$CLIENT" -v s="$SERVER" '
        $2 == 1 { if ($1 == c) p++; else w++ }
        $3 == 1 { if ($1 == s) a++; else w++ }
        $4 == 1 { u++ }
        END { printf "%d %d %d %d\n", p, a, w, u }' "$tmp/fields")
    read -r probes answers wrong_way updates <<<"$counts"
    local sent answered
    sent=$(events probe_sent)
    answered=$(events peer_probe_answered)
    [ "$probes" = "$sent" ] || fail "$what: tshark sees $probes keep-alives, the client sent $sent"
    [ "$answers" = "$answered" ] ||
        fail "$what: tshark sees $answers keep-alive ACKs, the server answered $answered probes"
    [ "$wrong_way" = 0 ] || fail "$what: $wrong_way keep-alive marks on the wrong host's packets"
    [ "$updates" = 0 ] || fail "$what: tshark calls $updates packet(s) a window update"
}

for profile in windows-vista windows-2000 linux; do
    for octet in "" --garbage-octet --no-garbage-octet; do
        for scenario in alive peer-crash partition peer-reboot nat-expiry lossy; do
            # shellcheck disable=SC2086  # $octet is one option or none
            check --scenario "$scenario" --profile "$profile" $octet
        done
    done
done
for seed in 2 3 4 5 6; do
    check --scenario lossy --seed "$seed"
    check --scenario lossy --seed "$seed" --loss 0.5 --no-garbage-octet
done
# The lossy runs above must really have lost answers, or "sent, not arrived" was never tested.
check --scenario lossy --seed 1
answered=$(events peer_probe_answered)
arrived=$(events probe_acked)
[ "$answered" -gt "$arrived" ] || fail "the lossy run lost no answers: $answered sent, $arrived arrived"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed in $runs runs"
    exit 1
fi
echo "$runs runs: every probe and every answer marked, no window update"
