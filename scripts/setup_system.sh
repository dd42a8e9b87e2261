#!/usr/bin/env bash
# Install the system packages the tests need, when missing. Idempotent.
# As root: apt-get. Otherwise: say exactly what is missing and fail (tests never skip).
set -euo pipefail

need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)

if [ ${#need[@]} -eq 0 ]; then
  echo "setup_system: all system packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup_system: missing Debian packages: ${need[*]}; run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "setup_system: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
