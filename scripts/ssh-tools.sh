#!/usr/bin/env bash
# Installs what the real-server SSH test (test/openssh.e2e.test.ts) drives, from Debian:
# openssh-server and -client, rsyslog, hydra, sshpass, dropbear-bin and sudo. Only as root and
# only what is missing; a policy-rc.d that exits 101 holds during the install so no system
# service (sshd, rsyslog, dropbear) is started or enabled, and the previous policy-rc.d (or
# its absence) is restored after. A flock makes parallel test files install once.
#   ssh-tools.sh check     exits 0 when every tool is present, else prints what is missing
#   ssh-tools.sh install   installs what is missing (root), then checks
set -euo pipefail
say() { echo "ssh-tools: $*" >&2; }
# tool path -> Debian package
TOOLS=(/usr/sbin/sshd:openssh-server /usr/bin/ssh:openssh-client /usr/bin/ssh-keygen:openssh-client
  /usr/sbin/rsyslogd:rsyslog /usr/bin/hydra:hydra /usr/bin/sshpass:sshpass
  /usr/sbin/dropbear:dropbear-bin /usr/bin/dropbearkey:dropbear-bin /usr/bin/sudo:sudo)

missing() {
  local t out=()
  for t in "${TOOLS[@]}"; do [ -x "${t%%:*}" ] || out+=("${t#*:}"); done
  [ ${#out[@]} -eq 0 ] || printf '%s\n' "${out[@]}" | sort -u
}

install() {
  [ -z "$(missing)" ] && return 0
  if [ "$(id -u)" != 0 ]; then say "missing and not root: $(missing | tr '\n' ' ')"; exit 1; fi
  exec 8>/tmp/vigil-ssh-tools-install.lock; flock 8
  local pkgs; pkgs=$(missing)
  [ -z "$pkgs" ] && return 0
  local policy=/usr/sbin/policy-rc.d saved=''
  if [ -e "$policy" ]; then saved=$(mktemp); cp -p "$policy" "$saved"; fi
  restore() { if [ -n "$saved" ]; then cp -p "$saved" "$policy"; rm -f "$saved"; else rm -f "$policy"; fi; }
  trap restore EXIT
  printf '#!/bin/sh\n# vigil ssh-tools.sh: no service starts during this install\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  say "installing $(echo $pkgs)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $pkgs >&2
  restore; trap - EXIT
  exec 8>&-
}

case "${1:-}" in
  check) m=$(missing); [ -z "$m" ] || { say "missing: $(echo $m)"; exit 1; } ;;
  install) install; m=$(missing); [ -z "$m" ] || { say "still missing: $(echo $m)"; exit 1; } ;;
  *) echo "usage: ssh-tools.sh check|install" >&2; exit 2 ;;
esac
