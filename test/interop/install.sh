#!/usr/bin/env bash
# Installs what `npm run test:interop` needs (run as root; Debian/Ubuntu):
#   - vsftpd, openssl, python3-pyftpdlib and python3-openssl (pyftpdlib is a
#     library: the suite runs its own script with Debian's /usr/bin/python3),
#     and mount (the inetutils ftpd sessions bind-mount in a namespace of their
#     own), as ordinary packages;
#   - pure-ftpd, proftpd (+ mod_tls) and inetutils-ftpd, which conflict with
#     vsftpd as Debian packages: downloaded with `apt-get download` and
#     unpacked with `dpkg -x` into $TFTP_INTEROP_PREFIX/<server> (default
#     /opt/tftp-interop), never installed as services; their missing shared
#     libraries are installed;
#   - the proxies dante (SOCKS) and tinyproxy (HTTP CONNECT), unpacked the same
#     way, never started as services (the suite runs its own, with the user
#     below for dante's username authentication);
#   - the system user `tftpuser` (no shell, no home) with the suite's known
#     password, and a PAM service `tftp-interop` (pam_unix only) for vsftpd.
# Idempotent: a second run does nothing but checks (no apt-get update).
set -euo pipefail

PREFIX=${TFTP_INTEROP_PREFIX:-/opt/tftp-interop}
USER_NAME=tftpuser
# Keep in step with test/interop/helpers/env.ts.
USER_PASSWORD='tftp-Interop-2024'
export DEBIAN_FRONTEND=noninteractive

log() { echo "interop install: $*"; }
die() { echo "interop install: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and creates the user $USER_NAME)"
command -v apt-get >/dev/null || die "apt-get not found: this installer supports Debian/Ubuntu only"

updated=0
apt_update_once() {
  if [ "$updated" = 0 ]; then
    log "apt-get update"
    apt_quiet update || die "apt-get update failed"
    updated=1
  fi
}
# apt-get with its output kept for an error only.
apt_quiet() {
  local out
  out=$(mktemp)
  if apt-get -q "$@" >"$out" 2>&1; then rm -f "$out"; else cat "$out" >&2; rm -f "$out"; return 1; fi
}
is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

# --- 1. vsftpd, openssl, pyftpdlib: ordinary packages -----------------------
missing=()
for p in vsftpd openssl python3-pyftpdlib python3-openssl mount; do is_installed "$p" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update_once
  log "apt-get install ${missing[*]}"
  # Do not let the package start a system vsftpd on port 21 (the suite runs its own).
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt_quiet install -y --no-install-recommends "${missing[@]}" || { [ "$own_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d; die "apt-get install ${missing[*]} failed"; }
  [ "$own_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d
fi
[ -x /usr/sbin/vsftpd ] || die "vsftpd is not at /usr/sbin/vsftpd after installing it"
command -v openssl >/dev/null || die "openssl is not on PATH after installing it"
/usr/bin/python3 -c 'import pyftpdlib, OpenSSL' 2>/dev/null || die "/usr/bin/python3 cannot import pyftpdlib and OpenSSL after installing them"

# --- 2. pure-ftpd, proftpd, inetutils ftpd: unpacked, never installed --------
# ELF files of a folder whose shared libraries are not all found.
unresolved() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    ldd "$f" 2>/dev/null | grep -q 'not found' && echo "$f"
  done
  return 0
}

# unpack <name> <binary to check> <packages...>
unpack() {
  local name=$1 check=$2
  shift 2
  local dest="$PREFIX/$name" stamp="$PREFIX/$name/.packages" want=()
  local p v
  for p in "$@"; do
    v=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
    want+=("$p=${v:-unknown}")
  done
  if [ -x "$dest/$check" ] && [ -f "$stamp" ] && { [ "${want[*]}" = "$(cat "$stamp")" ] || grep -q unknown <<<"${want[*]}"; }; then
    log "$name already unpacked in $dest ($(cat "$stamp"))"
  else
    local tmp
    tmp=$(mktemp -d)
    chmod 755 "$tmp"
    # apt-get download runs as the _apt user where it can.
    chown _apt "$tmp" 2>/dev/null || true
    if ! (cd "$tmp" && apt-get download -qq "$@" 2>/dev/null); then
      apt_update_once
      (cd "$tmp" && apt-get download -qq "$@") || { rm -rf "$tmp"; die "apt-get download $* failed: cannot install $name"; }
    fi
    rm -rf "$dest.new"
    mkdir -p "$dest.new"
    local deb
    for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$dest.new"; done
    # Libraries the unpacked packages depend on (only the lib* ones are needed to run the binaries).
    for deb in "$tmp"/*.deb; do dpkg-deb -f "$deb" Depends; done | tr ',|' '\n\n' | sed -E 's/\(.*\)//; s/:any//; s/^ +| +$//g' |
      grep -E '^(lib|zlib)' | sort -u >"$dest.new/.lib-depends"
    rm -rf "$tmp"
    printf '%s' "${want[*]}" >"$dest.new/.packages"
    rm -rf "$dest"
    mv "$dest.new" "$dest"
    log "$name unpacked into $dest (${want[*]})"
  fi
  # Shared libraries: install the missing ones.
  local elves
  elves=$(find "$dest/usr/sbin" "$dest/usr/bin" "$dest/usr/lib" -type f \( -perm -u+x -o -name '*.so' \) 2>/dev/null | sort || true)
  # shellcheck disable=SC2086
  if [ -n "$(unresolved $elves)" ]; then
    apt_update_once
    # The missing libraries come from library packages that are not installed
    # (installed ones are left alone: no system library gets upgraded for this).
    local libs=() lib
    while read -r lib; do is_installed "$lib" || libs+=("$lib"); done <"$dest/.lib-depends"
    [ "${#libs[@]}" -gt 0 ] || die "$name: shared libraries missing but every library package it depends on is installed"
    log "$name: installing shared libraries: ${libs[*]}"
    apt_quiet install -y --no-install-recommends "${libs[@]}" || die "cannot install the shared libraries of $name: ${libs[*]}"
    # shellcheck disable=SC2086
    local still
    still=$(unresolved $elves)
    if [ -n "$still" ]; then
      for f in $still; do ldd "$f" | grep 'not found' | sed "s|^|$f: |" >&2; done
      die "$name: shared libraries still missing"
    fi
  fi
}

unpack pure-ftpd usr/sbin/pure-ftpd pure-ftpd
unpack proftpd usr/sbin/proftpd proftpd-core proftpd-mod-crypto
# Run per connection by the suite's own inetd loop (no inetd, no PAM: its passwd authentication).
unpack inetutils-ftpd usr/sbin/ftpd inetutils-ftpd
# The proxies of test/interop/proxies.interop.ts.
unpack dante usr/sbin/danted dante-server
unpack tinyproxy usr/bin/tinyproxy tinyproxy-bin

# --- 3. the local user and its PAM service ----------------------------------
if ! id "$USER_NAME" >/dev/null 2>&1; then
  log "creating system user $USER_NAME"
  useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin "$USER_NAME"
fi
# vsftpd changes into the home folder before its local_root: it must exist.
[ "$(getent passwd "$USER_NAME" | cut -d: -f6)" = / ] || usermod --home / "$USER_NAME"
# SHA-512 crypt: fast to verify (yescrypt would cost every login time). Set only
# when the current hash does not match the password already.
current=$(getent shadow "$USER_NAME" | cut -d: -f2)
salt=$(cut -d'$' -f3 <<<"$current")
if [ "${current:0:3}" != '$6$' ] || [ "$(openssl passwd -6 -salt "$salt" "$USER_PASSWORD")" != "$current" ]; then
  log "setting the password of $USER_NAME"
  echo "$USER_NAME:$USER_PASSWORD" | chpasswd -c SHA512
fi
# vsftpd's own PAM service also wants a shell listed in /etc/shells (pam_shells):
# the suite uses this one instead, with pam_unix only.
cat >/etc/pam.d/tftp-interop <<'EOF'
# PAM service of the tftp-cli interop suite's private vsftpd (test/interop/install.sh).
auth     required pam_unix.so
account  required pam_unix.so
session  required pam_permit.so
EOF
id ftp >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /srv/ftp --shell /usr/sbin/nologin ftp

log "ready: vsftpd $( (/usr/sbin/vsftpd -v 0>&1 2>&1 || true) | sed 's/.*version //'), python3-pyftpdlib=$(dpkg-query -W -f='${Version}' python3-pyftpdlib), $(cat "$PREFIX/pure-ftpd/.packages"), $(cat "$PREFIX/proftpd/.packages"), $(cat "$PREFIX/inetutils-ftpd/.packages"), $(cat "$PREFIX/dante/.packages"), $(cat "$PREFIX/tinyproxy/.packages")"
