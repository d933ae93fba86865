#!/usr/bin/env bash
# Every command's command line follows one set of rules (issue 9). Each kind of bad input --
# unknown option, missing value, value out of range, malformed value, --flag=value, a stray
# operand, conflicting options, a missing required option, an unreadable --reg, an unwritable
# --pcap, a bad environment variable -- given to every command that has such an option exits 2
# with exactly one line on stderr, "vigil CMD: " and a sentence naming the option, prints
# nothing on stdout and creates no file. And the good forms: --opt=value is --opt value,
# environment variables are honoured and flags win over them. Needs no root: no bad command
# line gets as far as a device.
set -uo pipefail
VIGIL=${VIGIL_BUILD:?}/vigil
failures=0
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
work=$top/cwd          # every run's working directory: it must stay empty
mkdir "$work"
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

NET=tun:vg0:192.0.2.2/24
PCAP=$work/never.pcap
printf 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"KeepAliveTime"=dword:000186a0\n"KeepAliveInterval"=dword:000001f4\n' >"$top/times.reg"

# bad PREFIX NAMED [VAR=VALUE...] -- ARGS...: vigil ARGS (in $work, with only the given
# variables of ours set) exits 2, says one line starting with PREFIX that contains NAMED,
# prints nothing and leaves $work empty.
bad() {
  local prefix=$1 named=$2; shift 2
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  local rc=0
  (cd "$work" && env -u VIGIL_NET -u VIGIL_PROFILE -u VIGIL_REG -u VIGIL_SEED ${envs[@]+"${envs[@]}"} \
     timeout 20 "$VIGIL" "$@" >"$top/out" 2>"$top/err" </dev/null) || rc=$?
  local what="${envs[*]:-} vigil $*"
  [ "$rc" = 2 ] || fail "$what: exit $rc, want 2 ($(cat "$top/err"))"
  [ "$(wc -l <"$top/err")" = 1 ] || fail "$what: stderr is not one line: $(cat "$top/err")"
  [[ "$(cat "$top/err")" == "$prefix"* ]] || fail "$what: stderr does not start with '$prefix': $(cat "$top/err")"
  grep -qF -- "$named" "$top/err" || fail "$what: stderr does not name '$named': $(cat "$top/err")"
  [ -s "$top/out" ] && fail "$what: printed on stdout: $(head -3 "$top/out")"
  if [ -n "$(ls -A "$work")" ]; then
    fail "$what: created $(ls -A "$work")"
    rm -rf "${work:?}"/* "$work"/.[!.]* 2>/dev/null
  fi
}

# ---- vigil itself
bad "vigil: " "command is required" --
bad "vigil: " "'frobnicate'" -- frobnicate
bad "vigil: " "'--frobnicate'" -- --frobnicate
bad "vigil: " "'extra'" -- --help extra

# ---- sim
S=(sim --scenario alive)
bad "vigil sim: " "--bogus" -- "${S[@]}" --bogus --pcap "$PCAP"
bad "vigil sim: " "--sce" -- sim --sce alive
bad "vigil sim: " "--seed" -- "${S[@]}" --pcap "$PCAP" --seed
bad "vigil sim: " "--pcap" -- "${S[@]}" --pcap
bad "vigil sim: " "--latency-ms" -- "${S[@]}" --pcap "$PCAP" --latency-ms 60001
bad "vigil sim: " "--keepalive-count" -- "${S[@]}" --pcap "$PCAP" --keepalive-count=256
bad "vigil sim: " "--keepalive-time" -- "${S[@]}" --pcap "$PCAP" --keepalive-time 0
bad "vigil sim: " "--loss" -- "${S[@]}" --pcap "$PCAP" --loss 1
bad "vigil sim: " "--duration-ms" -- "${S[@]}" --pcap "$PCAP" --duration-ms 10s
bad "vigil sim: " "--scenario" -- sim --scenario peer_crash --pcap "$PCAP"
bad "vigil sim: " "--json" -- "${S[@]}" --pcap "$PCAP" --json=yes
bad "vigil sim: " "--garbage-octet" -- "${S[@]}" --garbage-octet=1
bad "vigil sim: " "'stray'" -- "${S[@]}" --pcap "$PCAP" stray
bad "vigil sim: " "--heal-ms" -- "${S[@]}" --pcap "$PCAP" --heal-ms 10
bad "vigil sim: " "--scenario is required" -- sim --pcap "$PCAP"
bad "vigil sim: " "--reg" -- "${S[@]}" --pcap "$PCAP" --reg "$top/missing.reg"
bad "vigil sim: " "--reg" -- "${S[@]}" --pcap "$PCAP" --reg "$top"
bad "vigil sim: " "--reg" -- "${S[@]}" --reg --version
bad "vigil sim: " "--pcap" -- "${S[@]}" --pcap "$top/no/such/dir/x.pcap"
bad "vigil sim: " "--pcap" -- "${S[@]}" --pcap "$top"
bad "vigil sim: " "--pcap" -- "${S[@]}" --pcap --json
bad "vigil sim: " "VIGIL_PROFILE" VIGIL_PROFILE=windows-95 -- "${S[@]}" --pcap "$PCAP"
bad "vigil sim: " "VIGIL_SEED" VIGIL_SEED=twelve -- "${S[@]}" --pcap "$PCAP"
bad "vigil sim: " "VIGIL_REG" VIGIL_REG="$top/missing.reg" -- "${S[@]}" --pcap "$PCAP"

# ---- transfer
T=(transfer --bytes 10)
bad "vigil transfer: " "--frobnicate" -- "${T[@]}" --frobnicate
bad "vigil transfer: " "--loss" -- "${T[@]}" --pcap "$PCAP" --loss
bad "vigil transfer: " "--bandwidth-mbps" -- "${T[@]}" --pcap "$PCAP" --bandwidth-mbps 1000001
bad "vigil transfer: " "--bytes" -- transfer --bytes 12abc --pcap "$PCAP"
bad "vigil transfer: " "--dup" -- "${T[@]}" --pcap "$PCAP" --dup=0x1
bad "vigil transfer: " "--json" -- "${T[@]}" --pcap "$PCAP" --json=1
bad "vigil transfer: " "'10'" -- transfer --bytes 10 10
bad "vigil transfer: " "--bytes is required" -- transfer --pcap "$PCAP"
bad "vigil transfer: " "--pcap" -- "${T[@]}" --pcap "$top/no/such/dir/x.pcap"
bad "vigil transfer: " "VIGIL_SEED" VIGIL_SEED=-1 -- "${T[@]}" --pcap "$PCAP"

# ---- serve (nothing here may reach the device: vg0 need not exist)
SV=(serve --net "$NET" --port 7)
bad "vigil serve: " "--bogus" -- "${SV[@]}" --bogus
bad "vigil serve: " "--port" -- serve --net "$NET" --port
bad "vigil serve: " "--port" -- serve --net "$NET" --port 70000
bad "vigil serve: " "--port" -- serve --net "$NET" --port=80x
bad "vigil serve: " "--echo" -- "${SV[@]}" --echo=1
bad "vigil serve: " "'stray'" -- "${SV[@]}" stray
bad "vigil serve: " "--echo and --discard" -- "${SV[@]}" --echo --discard --pcap "$PCAP"
bad "vigil serve: " "--port is required" -- serve --net "$NET" --pcap "$PCAP"
bad "vigil serve: " "--net is required" -- serve --port 7
bad "vigil serve: " "--net" -- serve --net tun:vg0 --port 7
bad "vigil serve: " "--reg" -- "${SV[@]}" --pcap "$PCAP" --reg "$top/missing.reg"
bad "vigil serve: " "--pcap" -- "${SV[@]}" --pcap "$top/no/such/dir/x.pcap"
bad "vigil serve: " "--keepalive-time" -- "${SV[@]}" --keepalive-time 0
bad "vigil serve: " "--buffer" -- "${SV[@]}" --buffer 1023
bad "vigil serve: " "VIGIL_NET" VIGIL_NET=loopback -- serve --port 7
bad "vigil serve: " "VIGIL_PROFILE" VIGIL_PROFILE=vista -- "${SV[@]}"
bad "vigil serve: " "VIGIL_SEED" VIGIL_SEED=0x10 -- "${SV[@]}"
bad "vigil serve: " "--net names TUN device vgnosuch9" -- serve --net tun:vgnosuch9:192.0.2.2/24 --port 7

# ---- connect
C=(connect --net "$NET" 192.0.2.1:7)
bad "vigil connect: " "--bogus" -- "${C[@]}" --bogus
bad "vigil connect: " "--send-bytes" -- "${C[@]}" --send-bytes
bad "vigil connect: " "--send-bytes" -- "${C[@]}" --send-bytes lots
bad "vigil connect: " "--link-delay-ms" -- "${C[@]}" --link-delay-ms 60001
bad "vigil connect: " "HOST:PORT" -- connect --net "$NET" 192.0.2.300:7
bad "vigil connect: " "--verify" -- "${C[@]}" --verify=yes
bad "vigil connect: " "'192.0.2.9:9'" -- "${C[@]}" 192.0.2.9:9
bad "vigil connect: " "--verify" -- "${C[@]}" --verify
bad "vigil connect: " "HOST:PORT is required" -- connect --net "$NET"
bad "vigil connect: " "--reg" -- "${C[@]}" --reg "$top/missing.reg"
bad "vigil connect: " "--pcap" -- "${C[@]}" --pcap "$top"
bad "vigil connect: " "--keepalive-count" -- "${C[@]}" --keepalive-count -1
bad "vigil connect: " "VIGIL_REG" VIGIL_REG="$top" -- "${C[@]}"
bad "vigil connect: " "VIGIL_NET" VIGIL_NET=tun:vg0:192.0.2.2/99 -- connect 192.0.2.1:7

# ---- demo
bad "vigil demo: " "--frobnicate" -- demo --frobnicate
bad "vigil demo: " "--pcap" -- demo --pcap
bad "vigil demo: " "--pcap" -- demo --pcap "$top/no/such/dir/x.pcap"
bad "vigil demo: " "--json" -- demo --json=1
bad "vigil demo: " "'stray'" -- demo stray

# ---- --help and --version: exit 0, on stdout, for every command
for cmd in sim transfer serve connect demo; do
  out=$("$VIGIL" "$cmd" --help 2>"$top/err") || fail "vigil $cmd --help exited non-zero"
  [ -s "$top/err" ] && fail "vigil $cmd --help wrote to stderr"
  grep -q "^usage: vigil $cmd" <<<"$out" || fail "vigil $cmd --help: no usage line"
  [ "$("$VIGIL" "$cmd" --version)" = "$("$VIGIL" --version)" ] || fail "vigil $cmd --version"
done
"$VIGIL" --version | grep -Eq '^vigil [0-9]+\.[0-9]+' || fail "vigil --version: $("$VIGIL" --version)"

# ---- good forms
# ok ARGS...: vigil ARGS succeeds; stdout in $top/out
ok() {
  (cd "$work" && env -u VIGIL_NET -u VIGIL_PROFILE -u VIGIL_REG -u VIGIL_SEED "$@" \
     >"$top/out" 2>"$top/err") || fail "$*: exit $?: $(cat "$top/err")"
}
ok "$VIGIL" sim --scenario peer-crash --keepalive-time 100000 --keepalive-interval 250 \
   --keepalive-count 4 --latency-ms 3 --json
cp "$top/out" "$top/separate"
ok "$VIGIL" sim --scenario=peer-crash --keepalive-time=100000 --keepalive-interval=250 \
   --keepalive-count=4 --latency-ms=3 --json
cmp -s "$top/out" "$top/separate" || fail "--opt=value and --opt value gave different runs"
grep -q '"event":"aborted"' "$top/out" || fail "the short sim did not abort: $(tail -2 "$top/out")"
ok "$VIGIL" transfer --bytes=5000 --loss=0.1 --seed=3 --json
sed -E 's/"(wall_time_us|cpu_time_us|wall_bit_per_s|cpu_bit_per_s)":[0-9]*//g' "$top/out" >"$top/eq"
ok "$VIGIL" transfer --bytes 5000 --loss 0.1 --seed 3 --json
sed -E 's/"(wall_time_us|cpu_time_us|wall_bit_per_s|cpu_bit_per_s)":[0-9]*//g' "$top/out" | cmp -s - "$top/eq" || fail "transfer: --opt=value differs"

# VIGIL_PROFILE: linux timing (2 ms handshake + 7200 s + 9 x 75 s); --profile wins.
ok env VIGIL_PROFILE=linux "$VIGIL" sim --scenario peer-crash --json
grep -q '"event":"aborted".*"error":"WSAETIMEDOUT"' "$top/out" || fail "VIGIL_PROFILE=linux ignored"
grep -q '"t_us":7875002000,"host":"client","event":"aborted"' "$top/out" || fail "VIGIL_PROFILE=linux: abort not at 7875002"
ok env VIGIL_PROFILE=linux "$VIGIL" sim --scenario peer-crash --profile windows-vista --json
grep -q '"event":"aborted".*"error":"WSAENETRESET"' "$top/out" || fail "--profile did not win over VIGIL_PROFILE"
# VIGIL_REG: the export's times; --reg wins (over an export that would fail).
ok env VIGIL_REG="$top/times.reg" "$VIGIL" sim --scenario peer-crash --json
grep -q '"keepalive_time_ms":100000' "$top/out" || fail "VIGIL_REG ignored: $(head -1 "$top/out")"
ok env VIGIL_REG="$top/missing.reg" "$VIGIL" sim --scenario peer-crash --reg "$top/times.reg" --json
grep -q '"keepalive_time_ms":100000' "$top/out" || fail "--reg did not win over VIGIL_REG"
# VIGIL_SEED: the same run as --seed; --seed wins.
ok "$VIGIL" sim --scenario lossy --keepalive-time 60000 --seed 7 --json
cp "$top/out" "$top/seed7"
ok env VIGIL_SEED=7 "$VIGIL" sim --scenario lossy --keepalive-time 60000 --json
cmp -s "$top/out" "$top/seed7" || fail "VIGIL_SEED=7 is not --seed 7"
ok env VIGIL_SEED=7 "$VIGIL" sim --scenario lossy --keepalive-time 60000 --seed 8 --json
cmp -s "$top/out" "$top/seed7" && fail "--seed 8 did not win over VIGIL_SEED=7"
ok env VIGIL_SEED=3 "$VIGIL" transfer --bytes=5000 --loss=0.1 --json
sed -E 's/"(wall_time_us|cpu_time_us|wall_bit_per_s|cpu_bit_per_s)":[0-9]*//g' "$top/out" | cmp -s - "$top/eq" || fail "transfer: VIGIL_SEED=3 is not --seed 3"
[ -z "$(ls -A "$work")" ] || fail "the good runs left files: $(ls -A "$work")"

[ "$failures" = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "ok: every command refuses each kind of bad input with exit 2 and one line"
