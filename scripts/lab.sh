# shellcheck shell=bash
# Shared by tests/root/lib.sh and bench/lib/tun_bench.sh (sourced, not run): what a host needs to
# enter a lab (scripts/netns-lab: a network namespace with a TUN device), and the background
# processes a script starts inside one, every one of them stopped however the script ends.

# lab_host_lacks TOOL...: why this host cannot enter a lab (not root, no /dev/net/tun, or ip or a
# TOOL missing), on stdout; nothing when it can.
lab_host_lacks() {
  if [ "$(id -u)" != 0 ]; then
    echo "needs root (network namespaces and a TUN device)"
  elif [ ! -c /dev/net/tun ]; then
    echo "no /dev/net/tun (load the tun module)"
  else
    local tool
    for tool in ip "$@"; do
      command -v "$tool" >/dev/null || { echo "needs $tool (scripts/install-deps installs it)"; return 0; }
    done
  fi
}

# lab_bg OUTFILE CMD...: runs CMD in the background with stdout+stderr to OUTFILE; sets LAST_PID.
LAB_PIDS=()
lab_bg() {
  local out=$1; shift
  "$@" >"$out" 2>&1 &
  LAST_PID=$!
  LAB_PIDS+=("$LAST_PID")
}

# lab_reap: ends every process lab_bg started and waits for each. A stopped one (a test may
# SIGSTOP its peer) is continued first: a stopped process holds a signal until it runs.
lab_reap() {
  local pid
  for pid in "${LAB_PIDS[@]}"; do
    kill -CONT "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${LAB_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
