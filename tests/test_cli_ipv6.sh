#!/usr/bin/env bash
# `vigil sim --ipv6` and `vigil transfer --ipv6`: every scenario plays out over IPv6 with the
# very timeline it has over IPv4 (the same events at the same microseconds, only the addresses
# differ) and the same verdict; the capture holds IPv6 between 2001:db8::1 and 2001:db8::2 and,
# read by tshark, as many keep-alives flagged as over IPv4; a transfer over IPv6 arrives
# byte-exact, with segments 20 octets shorter.
set -u
VIGIL="${VIGIL_BUILD:?VIGIL_BUILD not set}/vigil"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The timeline without what names an address: t_us, host, event and the other details.
timeline() {
    sed -e 's/"peer":"[^"]*",\{0,1\}//' -e 's/"client":"[^"]*",//' -e 's/"server":"[^"]*",//' "$1"
}

for s in alive peer-crash partition peer-reboot nat-expiry lossy; do
    "$VIGIL" sim --scenario "$s" --json >"$tmp/$s.4" 2>"$tmp/err" || fail "$s over IPv4: exit $?"
    "$VIGIL" sim --scenario "$s" --json --ipv6 >"$tmp/$s.6" 2>"$tmp/err" ||
        fail "$s over IPv6: exit $? ($(head -c 300 "$tmp/err"))"
    grep -q '"server":"\[2001:db8::2\]:5001"' "$tmp/$s.6" || fail "$s: the IPv6 run does not name [2001:db8::2]:5001"
    [ "$(wc -l <"$tmp/$s.4")" -gt 3 ] || fail "$s: no timeline"
    if ! diff <(timeline "$tmp/$s.4") <(timeline "$tmp/$s.6") >"$tmp/diff"; then
        fail "$s: the IPv6 timeline differs from IPv4's: $(head -n 6 "$tmp/diff")"
    fi
done

if command -v tshark >/dev/null 2>&1; then
    export HOME="$tmp"
    for fam in 4 6; do
        flag=""
        [ "$fam" = 6 ] && flag=--ipv6
        "$VIGIL" sim --scenario peer-crash $flag --pcap "$tmp/ka$fam.pcap" >/dev/null ||
            fail "peer-crash $flag --pcap failed"
        tshark -r "$tmp/ka$fam.pcap" -Y tcp.analysis.keep_alive -T fields -e ipv6.src -e ip.src \
            >"$tmp/ka$fam" 2>/dev/null || fail "tshark could not read the IPv$fam capture"
    done
    n4=$(wc -l <"$tmp/ka4")
    n6=$(wc -l <"$tmp/ka6")
    [ "$n4" -gt 0 ] || fail "tshark flagged no keep-alive over IPv4"
    [ "$n6" = "$n4" ] || fail "tshark flagged $n6 keep-alives over IPv6, $n4 over IPv4"
    grep -q '^2001:db8::1' "$tmp/ka6" || fail "the IPv6 keep-alives are not from 2001:db8::1"
else
    echo "tshark not installed: the captures are not read"
fi

"$VIGIL" transfer --bytes 3000000 --loss 0.01 --corrupt 0.01 --seed 3 --ipv6 --json \
    >"$tmp/t6" 2>"$tmp/err" || fail "transfer --ipv6: exit $? ($(head -c 300 "$tmp/err"))"
grep -q '"match":true' "$tmp/t6" || fail "transfer --ipv6 did not arrive byte-exact: $(cat "$tmp/t6")"
grep -q '"bytes_received":3000000' "$tmp/t6" || fail "transfer --ipv6 lost bytes: $(cat "$tmp/t6")"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "ok: six scenarios with the same timelines over IPv6, $n6 keep-alives flagged, transfer exact"
