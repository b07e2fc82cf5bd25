#!/usr/bin/env bash
# Install a Debian package the tests need when its command is missing (make's tool targets).
# Usage: scripts/need-package.sh COMMAND "WHY" PACKAGE...
# As root with apt-get it installs; with sudo it installs through sudo; otherwise it stops
# make with what to install.
set -euo pipefail
command="$1"; why="$2"; shift 2
command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing $* ($why)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "installing $* with sudo ($why)"
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
else
  echo "$why needs $command: install it (apt-get install $*, ...) and run make again." >&2
  exit 1
fi
