#!/usr/bin/env bash
# A private Docker engine for Vigil's tests and benchmarks: its own data root, exec root,
# socket and pid file under DIR (default /tmp/vigil-docker, or $VIGIL_DOCKER_DIR), no
# bridge and no iptables, so it can never disturb another engine on the machine.
#   docker-engine.sh start [DIR]  installs docker.io + busybox-static if missing (root), starts
#                                 dockerd, imports the image vigil-busybox, prints the socket path
#   docker-engine.sh stop [DIR]   removes its containers, stops dockerd (and its containerd), then
#                                 kills what is left of the engine (containerd, shims and their
#                                 containers, also after dockerd died hard) and unmounts under DIR
#   docker-engine.sh sock [DIR]   prints the socket path when the engine answers, else exits 1
set -euo pipefail
cmd=${1:-}
D=${2:-${VIGIL_DOCKER_DIR:-/tmp/vigil-docker}}
SOCK="$D/sock"
DOCKER=/usr/bin/docker; [ -x "$DOCKER" ] || DOCKER=docker
say() { echo "docker-engine: $*" >&2; }
dk() { "$DOCKER" -H "unix://$SOCK" "$@"; }
alive() { [ -f "$D/pid" ] && kill -0 "$(cat "$D/pid")" 2>/dev/null; }
answers() { [ -S "$SOCK" ] && timeout 20 "$DOCKER" -H "unix://$SOCK" version >/dev/null 2>&1; }
# This engine's dockerd, containerd and shims: each names a path under DIR on its command line.
engine_pids() {
  local p comm
  for p in $(pgrep -u "$(id -u)" -f -- "$D/" || true); do   # our own processes only
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    case $comm in dockerd|containerd|containerd-shim*) echo "$p" ;; esac
  done
}
# Sends SIGTERM, waits up to $1 tenths of a second for every pid to exit, then SIGKILL.
term_wait() {
  local tenths=$1 p left; shift
  [ $# -gt 0 ] || return 0
  kill "$@" 2>/dev/null || true
  for _ in $(seq 1 "$tenths"); do
    left=0; for p in "$@"; do kill -0 "$p" 2>/dev/null && left=1; done
    [ $left = 1 ] || return 0
    sleep 0.1
  done
  kill -9 "$@" 2>/dev/null || true
}

install_missing() {
  if command -v dockerd >/dev/null 2>&1 && [ -x /bin/busybox ]; then return 0; fi
  if [ "$(id -u)" != 0 ]; then say "dockerd or /bin/busybox missing and not root: cannot install"; exit 1; fi
  exec 8>/tmp/vigil-docker-install.lock; flock 8   # parallel test files: one apt at a time
  if ! command -v dockerd >/dev/null 2>&1 || [ ! -x /bin/busybox ]; then
    say "installing docker.io and busybox-static"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq docker.io busybox-static >&2
  fi
  exec 8>&-
}

import_busybox() {
  dk image inspect vigil-busybox >/dev/null 2>&1 && return 0
  local img; img=$(mktemp -d)
  mkdir -p "$img/bin" "$img/tmp" "$img/etc"
  cp /bin/busybox "$img/bin/busybox"
  for app in sh sleep cat echo true false ls ps kill head tail dd yes wget nc env date; do
    ln -s busybox "$img/bin/$app"
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$img/etc/passwd"
  tar -C "$img" -c . | dk import - vigil-busybox >/dev/null
  rm -rf "$img"
}

start() {
  install_missing
  mkdir -p "$D"
  exec 9>"$D/lock"; flock 9
  if ! answers; then
    if alive; then kill "$(cat "$D/pid")" 2>/dev/null || true; sleep 1; fi
    rm -f "$SOCK" "$D/pid"
    setsid dockerd --data-root "$D/root" --exec-root "$D/exec" --host "unix://$SOCK" \
      --pidfile "$D/pid" --bridge=none --iptables=false --shutdown-timeout=2 >>"$D/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 300); do answers && break; sleep 0.1; done
    answers || { say "dockerd did not answer within 30 s; see $D/dockerd.log"; tail -5 "$D/dockerd.log" >&2; exit 1; }
  fi
  import_busybox
  echo "$SOCK"
}

stop() {
  [ -d "$D" ] || return 0
  if answers; then
    ids=$(dk ps -aq); [ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1 || true
  fi
  local dockerds=() p
  if alive; then dockerds+=("$(cat "$D/pid")"); fi
  for p in $(engine_pids); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = dockerd ] && dockerds+=("$p"); done
  term_wait 200 "${dockerds[@]}"
  # Left when dockerd died hard: containerd and the shims, each shim with its container's init.
  for p in $(engine_pids); do
    case $(cat "/proc/$p/comm" 2>/dev/null) in containerd-shim*) pkill -KILL -P "$p" 2>/dev/null || true ;; esac
  done
  # shellcheck disable=SC2046
  term_wait 50 $(engine_pids)
  # Overlay, netns and the data root's own bind mount, innermost first.
  awk -v d="$D/" 'index($2, d) == 1 || $2 == substr(d, 1, length(d) - 1) { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -f "$SOCK" "$D/pid"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  sock) answers && echo "$SOCK" ;;
  *) echo "usage: docker-engine.sh start|stop|sock [DIR]" >&2; exit 2 ;;
esac
