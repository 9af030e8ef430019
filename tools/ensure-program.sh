#!/usr/bin/env bash
# Make a system program available that pip cannot install:
#
#   tools/ensure-program.sh PROGRAM DEBIAN_PACKAGE "what it is for" "how to install by hand"
#
# Nothing to do when PROGRAM is on PATH. Otherwise installs the Debian package when we may
# (root, or password-less sudo, with apt-get); failing that, says how in one line and exits 0,
# so the caller goes on (features that need the program then explain themselves).
set -u
program=$1 package=$2 purpose=$3 by_hand=$4
command -v "$program" >/dev/null 2>&1 && exit 0
as_root=""
if [ "$(id -u)" = 0 ]; then as_root=" "; elif sudo -n true 2>/dev/null; then as_root="sudo -n "; fi
if [ -n "$as_root" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-program: installing $package (Debian package) for $purpose..."
  ${as_root}apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive ${as_root}apt-get install -y -qq "$package" >/dev/null 2>&1
fi
command -v "$program" >/dev/null 2>&1 && exit 0
echo "ensure-program: '$program' not found, needed for $purpose. Install it with $by_hand."
exit 0
