# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are for the tests that source this file
# Shared by the tests/root/test_*.sh scripts (sourced, not run). Each test runs twice: first on
# the host, where lab_enter() checks what the test needs (root, /dev/net/tun, the tools), builds the
# Linux-side peer into a scratch directory and runs the test again inside a namespace made by
# scripts/netns-lab; that second run ("inside") does the work. Both levels clean up with traps:
# the scratch directory here, the namespace and its processes in netns-lab, the test's own
# background processes in lab_cleanup_inside.

VIGIL_BUILD=${VIGIL_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
VIGIL_SRC=${VIGIL_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VIGIL=$VIGIL_BUILD/vigil
KERNEL_ADDR=192.0.2.1
VIGIL_ADDR=192.0.2.2
NET=tun:vg0:$VIGIL_ADDR/24

# shellcheck source-path=SCRIPTDIR source=../../scripts/lab.sh
. "$VIGIL_SRC/scripts/lab.sh"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
note() { echo "-- $*"; }

# On the host: checks, scratch directory, peer program, then the test again inside a namespace.
# $1 is the test script; further arguments name commands the test needs (e.g. tshark curl).
lab_enter() {
  local script=$1; shift
  local why
  why=$(lab_host_lacks nft cc "$@")
  [ -z "$why" ] || skip "$why"
  [ -x "$VIGIL" ] || fail "no vigil binary at $VIGIL"
  LAB_WORK=$(mktemp -d /tmp/vigil-root-test.XXXXXX)
  trap 'rm -rf "$LAB_WORK"' EXIT
  cc -std=c11 -O2 -Wall -Wextra -Werror -I"$VIGIL_SRC/tools" -o "$LAB_WORK/linux_peer" \
     "$VIGIL_SRC/tests/root/linux_peer.c" "$VIGIL_SRC/tools/cli_pattern.c" ||
    fail "cannot build the Linux peer"
  export LAB_WORK VIGIL_BUILD VIGIL_SRC
  local rc=0
  "$VIGIL_SRC/scripts/netns-lab" --name "vgt$$" -- bash "$script" inside || rc=$?
  exit "$rc"
}

# Inside: background processes started with lab_bg (scripts/lab.sh) are stopped on every exit
# path.
lab_cleanup_inside() {
  lab_reap
  nft delete table inet vgtest 2>/dev/null || true
}
lab_inside() {
  PEER=$LAB_WORK/linux_peer
  trap lab_cleanup_inside EXIT
}

# wait_for FILE REGEX SECONDS: until a line of FILE matches (grep -E), or fail.
wait_for() {
  local file=$1 re=$2 secs=$3 i
  for ((i = 0; i < secs * 20; i++)); do
    grep -Eq -- "$re" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "---- $file:"; cat "$file" 2>/dev/null || true
  fail "timed out after ${secs}s waiting for /$re/ in $(basename "$file")"
}

# wait_exit PID SECONDS: the process's exit status, or fail if it is still running then.
wait_exit() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null && fail "process $pid still running after ${secs}s"
  local rc=0
  wait "$pid" || rc=$?
  return "$rc"
}

# count_events FILE EVENT: JSON event lines of that kind.
count_events() {
  local n
  n=$(grep -c "\"event\":\"$2\"" "$1" 2>/dev/null) || true
  echo "${n:-0}"
}

# tshark_count PCAP FILTER: frames matching a display filter.
tshark_count() {
  local n
  n=$(tshark -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | grep -c .) || true
  echo "${n:-0}"
}

# Drop every packet the kernel sends into the TUN device: vigil's peer vanishes without a word.
blackhole_kernel_to_vigil() {
  nft add table inet vgtest
  nft add chain inet vgtest out '{ type filter hook output priority 0; }'
  nft add rule inet vgtest out oifname vg0 drop
}

# event_field FILE EVENT KEY: the value of KEY in the first JSON line of that event (quotes
# removed), empty if none or null.
event_field() {
  grep "\"event\":\"$2\"" "$1" | head -1 | grep -o "\"$3\":[^,}]*" | head -1 | cut -d: -f2- |
    tr -d '"' | sed 's/^null$//' || true
}

# wait_count FILE EVENT N SECONDS: until FILE holds at least N JSON lines of EVENT, or fail.
wait_count() {
  local file=$1 ev=$2 n=$3 secs=$4 i
  for ((i = 0; i < secs * 20; i++)); do
    [ "$(count_events "$file" "$ev")" -ge "$n" ] && return 0
    sleep 0.05
  done
  echo "---- $file:"; cat "$file" 2>/dev/null || true
  fail "timed out after ${secs}s waiting for $n '$ev' events in $(basename "$file")"
}

# event_times FILE EVENT: the time of every JSON line of that event in ms (t_us / 1000, three
# decimals), one per line.
event_times() {
  grep "\"event\":\"$2\"" "$1" | sed -n 's/^{"v":2,"t_us":\([0-9]*\),.*/\1/p' |
    awk '{ printf "%.3f\n", $1 / 1000 }' || true
}

# events_valid FILE...: every line of every FILE matches docs/events.md (tests/support/events_check.py).
events_valid() {
  python3 "$VIGIL_SRC/tests/support/events_check.py" "$VIGIL_SRC/docs/events.md" "$@" ||
    fail "event lines do not match docs/events.md"
}
