#!/usr/bin/env bash
# Make a system program available that pip cannot install:
#
#   tools/ensure-program.sh PROGRAM DEBIAN_PACKAGE "what it is for" "how to install by hand"
#
# Nothing to do when PROGRAM is on PATH. Otherwise installs the Debian package when we may
# (root, or password-less sudo, with apt-get), quietly; if that fails, shows why (the end of
# apt-get's output). Without root, or after a failure, says in one line how to get it and
# exits 0, so the caller goes on (features that need the program then explain themselves).
set -u
program=$1 package=$2 purpose=$3 by_hand=$4
command -v "$program" >/dev/null 2>&1 && exit 0

as_root=""
if [ "$(id -u)" = 0 ]; then as_root="env"; elif sudo -n true 2>/dev/null; then as_root="sudo -n env"; fi
if [ -z "$as_root" ]; then
  echo "ensure-program: '$program' not found (needed for $purpose). Not root, so not installing it: install it with $by_hand."
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-program: '$program' not found (needed for $purpose). No apt-get here: install it with $by_hand."
  exit 0
fi

log=$(mktemp "${TMPDIR:-/tmp}/ensure-$package.XXXXXX.log")
trap 'rm -f "$log"' EXIT
echo "ensure-program: installing $package (Debian package) for $purpose..."
step="apt-get update"
$as_root apt-get update -qq >"$log" 2>&1
status=$?
if [ "$status" = 0 ]; then
  step="apt-get install $package"
  $as_root DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >"$log" 2>&1
  status=$?
fi
if [ "$status" = 0 ] && command -v "$program" >/dev/null 2>&1; then
  echo "ensure-program: installed $package: $(command -v "$program")"
  exit 0
fi
if [ "$status" = 0 ]; then
  echo "ensure-program: $step succeeded, but '$program' is still not on PATH."
else
  echo "ensure-program: $step failed (exit $status); the end of its output:"
fi
tail -n 15 "$log" | sed 's/^/    /'
echo "ensure-program: carrying on without '$program' (needed for $purpose). Install it with $by_hand."
exit 0
