#!/usr/bin/env bash
# Make a headless browser available for the step-through player's test (tests/test_player.py):
# Debian's chromium. Installs it when we may (root or password-less sudo, with apt-get);
# otherwise says how, in one line, and lets the caller go on. Under CI=true that test then
# fails instead of skipping, so a missing browser is never silently ignored.
set -u
for b in chromium chromium-browser google-chrome; do
  command -v "$b" >/dev/null 2>&1 && exit 0
done
as_root=""
if [ "$(id -u)" = 0 ]; then as_root=" "; elif sudo -n true 2>/dev/null; then as_root="sudo -n "; fi
if [ -n "$as_root" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-browser: installing chromium (Debian package) for the HTML player test..."
  ${as_root}apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive ${as_root}apt-get install -y -qq chromium >/dev/null 2>&1
fi
command -v chromium >/dev/null 2>&1 && exit 0
echo "ensure-browser: no chromium found; the HTML player's browser test cannot run." \
     "Install it with 'sudo apt-get install chromium' (Debian/Ubuntu) or set CHROMIUM=/path/to/chrome."
exit 0
