#!/usr/bin/env bash
# packaging.root: a clean Debian root for the cases: debootstrap (minbase) of this machine's
# release, plus the libraries the sinkhub package depends on, systemd, and a compiler with
# CMake and pkg-config for the SDK case. That base is cached under the build dir and reused
# across runs (a new dependency is installed into it); each run gets a fresh copy of it.
source "$(dirname "$0")/lib.sh"
require_root
for tool in debootstrap unshare chroot; do command -v $tool >/dev/null || fail "$tool missing: scripts/install-deps.sh --test"; done
isolate --with-network "$@"

codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
mirror=${SINKHUB_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${SINKHUB_TEST_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
base=$CACHE/$codename
mkdir -p "$CACHE" "$WORK"
exec {lock}>"$CACHE/lock"
flock -w 1200 "$lock" || fail "another run holds $CACHE/lock"

# Nothing may be mounted below a directory we are about to delete.
no_mounts_below() { ! grep -q " $1[/ ]" /proc/self/mountinfo || fail "something is mounted below $1"; }

if [[ ! -f $base/.complete ]]; then
  say "debootstrap $codename from $mirror into $base (once; cached)"
  for attempt in 1 2; do  # a second chance for a network hiccup
    # A failed debootstrap can leave its /proc and /sys mounts (in this namespace only).
    for m in $(awk -v b="$base/" 'index($5, b) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
    no_mounts_below "$base"
    rm -rf "$base"
    timeout 600 debootstrap --variant=minbase "$codename" "$base" "$mirror" >"$CACHE/debootstrap.log" 2>&1 && break
    ((attempt == 2)) && { tail -20 "$CACHE/debootstrap.log"; fail "debootstrap failed twice"; }
    say "debootstrap failed ($(tail -1 "$CACHE/debootstrap.log")); once more"
  done
  # The same suites as this machine, so the versions dpkg-shlibdeps asked for exist.
  cat >"$base/etc/apt/sources.list" <<SOURCES
deb $mirror $codename main
deb $mirror $codename-updates main
deb $security $codename-security main
SOURCES
  touch "$base/.complete"
fi

# What the cases need in the root: the packages' dependencies (first alternative, without
# versions), systemd (systemd-analyze, and PID 1 for the systemd case), man-db (systemd-analyze
# verify runs man for the unit's Documentation=), ca-certificates (the systemd case trusts a
# test CA), the SDK toolchain.
deps=$(for d in "$DEBS"/sinkhub_*.deb "$DEBS"/sinkhub-dev_*.deb; do dpkg-deb -f "$d" Depends; done |
  tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' | sed '/^$/d')
[[ -n $deps ]] || fail "no Depends in $DEBS (packaging.build makes the packages)"
want=($deps systemd man-db ca-certificates cmake g++ make pkg-config file)
# Installed package names and the names they provide (libspdlog1.10 provides the
# libspdlog1.10-fmt9 that Depends names).
have=" $(chroot "$base" dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Provides}\n' |
         awk '$1 == "ii" {$1 = ""; print}' | sed 's/([^)]*)//g' | tr ', ' '\n\n' | sed '/^$/d' | tr '\n' ' ') "
missing=()
for p in "${want[@]}"; do
  [[ $have == *" $p "* ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing into the cached base: ${missing[*]}"
  mountpoint -q "$base/proc" || mount -t proc proc "$base/proc"
  apt_in_base() { timeout 900 chroot "$base" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Acquire::Retries=3 "$@" >>"$CACHE/apt.log" 2>&1; }
  apt_in_base update || fail "apt-get update in the root failed: $(tail -5 "$CACHE/apt.log")"
  apt_in_base install --no-install-recommends "${missing[@]}" ||
    fail "apt-get install ${missing[*]} failed: $(tail -20 "$CACHE/apt.log")"
  apt_in_base clean
  umount "$base/proc"
fi

no_mounts_below "$ROOT"
rm -rf "$ROOT"
cp -a "$base" "$ROOT"
# Every path of the clean root, to compare with after the purge (dpkg's and apt's own state,
# logs and caches excepted).
(cd "$ROOT" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./run -o -path ./var/log \
   -o -path ./var/cache -o -path ./var/lib/dpkg -o -path ./var/lib/apt \) -prune -o -print | sort) >"$WORK/root-before.txt"
say "root ready: $ROOT ($(du -sh "$ROOT" | cut -f1); base cached in $base)"
echo "packaging.root: passed"
