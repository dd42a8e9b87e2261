#!/usr/bin/env bash
# Install the system tools the docs build and the browser test need, if missing.
#
#   graphviz          `dot`, the reference renderer for architecture diagrams
#   chromium          the browser the offline site test drives via playwright
#   fonts-dejavu-core a font for SVG text (matplotlib writes text, not paths)
#
# Idempotent: installed packages are left alone. Needs root (or sudo) to install;
# exits non-zero if anything is still missing afterwards, because the browser
# test must fail, never skip, when a tool is absent.
set -euo pipefail

# package -> a file that proves it is installed
declare -A PROBE=(
  [graphviz]=/usr/bin/dot
  [chromium]=/usr/bin/chromium
  [fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
)

missing=()
for pkg in "${!PROBE[@]}"; do
  if [[ -e "${PROBE[$pkg]}" ]]; then
    echo "ok       $pkg (${PROBE[$pkg]})"
  else
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  if [[ $EUID -eq 0 ]]; then as_root=(); elif command -v sudo >/dev/null; then as_root=(sudo); else
    echo "error: need root to install: ${missing[*]}" >&2; exit 1
  fi
  if ! command -v apt-get >/dev/null; then
    echo "error: apt-get not found; install by hand: ${missing[*]}" >&2; exit 1
  fi
  echo "install  ${missing[*]}"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Verify, whatever happened above.
status=0
for pkg in "${!PROBE[@]}"; do
  if [[ ! -e "${PROBE[$pkg]}" ]]; then
    echo "error: $pkg still missing (${PROBE[$pkg]})" >&2
    status=1
  fi
done
((status == 0)) && echo "system tools ready: $(dot -V 2>&1 | head -1); $(/usr/bin/chromium --version 2>/dev/null | head -1)"
exit "$status"
