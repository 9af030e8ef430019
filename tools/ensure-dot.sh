#!/usr/bin/env bash
# Make graphviz's `dot` program available: rendering SVG/PNG needs it, the Python package
# alone only writes DOT text. Installs Debian's package when we may; otherwise says how,
# in one line, and lets the caller go on (DOT source is still written).
set -u
command -v dot >/dev/null 2>&1 && exit 0
as_root=""
if [ "$(id -u)" = 0 ]; then as_root=" "; elif sudo -n true 2>/dev/null; then as_root="sudo -n "; fi
if [ -n "$as_root" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-dot: installing graphviz (Debian package) for the 'dot' program..."
  ${as_root}apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive ${as_root}apt-get install -y -qq graphviz >/dev/null 2>&1
fi
command -v dot >/dev/null 2>&1 && exit 0
echo "ensure-dot: graphviz 'dot' not found; pictures will be saved as .dot source only." \
     "Install it with 'sudo apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS)."
exit 0
