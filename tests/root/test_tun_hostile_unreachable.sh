#!/usr/bin/env bash
# A connect the network refuses with ICMP fails with the ICMP's reason, not a bare timeout
# (RFC 1122 §4.2.3.9 soft errors, RFC 5461): vigil keeps retrying its SYN, and when the connect
# times out it reports what the routers said. The Linux kernel of the namespace is the router:
#  1. no route to 198.51.100.0/24: Linux answers each SYN with net unreachable  -> WSAENETUNREACH
#  2. nftables rejects 198.51.100.77 with host unreachable                      -> WSAEHOSTUNREACH
#  3. nftables rejects the kernel's own port 7099 with port unreachable         -> WSAECONNREFUSED
# Before soft errors, all three ended in WSAETIMEDOUT. TcpMaxDataRetransmissions = 2 (a registry
# export) keeps each connect to 1 + 2 + 4 = 7 s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0"
lab_inside

REG=$LAB_WORK/retransmissions.reg
printf 'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\r\n"TcpMaxDataRetransmissions"=dword:00000002\r\n' >"$REG"
sysctl -qw net.ipv4.ip_forward=1

# refused NAME HOST:PORT WANT: vigil connect fails, with WANT as its error.
refused() {
  local name=$1 target=$2 want=$3 out=$LAB_WORK/$1.out rc=0
  lab_bg "$out" "$VIGIL" connect --net "$NET" "$target" --reg "$REG" --json
  wait_exit "$LAST_PID" 30 || rc=$?
  local err
  err=$(event_field "$out" summary error)
  note "$name: vigil connect $target exited $rc with ${err:-no error}"
  [ "$rc" = 1 ] || { cat "$out"; fail "$name: vigil connect exited $rc, not 1"; }
  [ "$err" = "$want" ] || { cat "$out"; fail "$name: failed with ${err:-nothing}, want $want"; }
}

note "run 1: no route to the destination (the kernel says net unreachable)"
refused net 198.51.100.9:80 WSAENETUNREACH

note "run 2: a firewall rejects the host (host unreachable)"
# A link for 198.51.100.0/24 (a veth pair inside this namespace; nothing answers on it).
ip link add vgun0 type veth peer name vgun1
ip addr add 198.51.100.1/24 dev vgun0
ip link set vgun1 up
ip link set vgun0 up
nft add table inet vgtest
nft add chain inet vgtest forward_filter '{ type filter hook forward priority 0; }'
nft add rule inet vgtest forward_filter ip daddr 198.51.100.77 counter reject with icmp type host-unreachable
refused host 198.51.100.77:80 WSAEHOSTUNREACH

note "run 3: a firewall rejects the port with ICMP instead of a reset (port unreachable)"
nft add chain inet vgtest input_filter '{ type filter hook input priority 0; }'
nft add rule inet vgtest input_filter tcp dport 7099 counter reject with icmp type port-unreachable
refused port "$KERNEL_ADDR:7099" WSAECONNREFUSED
note "nftables rejected: $(nft list table inet vgtest | grep -o 'packets [0-9]*' | tr '\n' ' ')"
note "ok"
