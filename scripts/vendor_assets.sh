#!/usr/bin/env bash
# Re-fetch the JavaScript/CSS/font assets the documentation site serves itself.
#
# The site must build and render with no network (DESIGN.md, "The documentation
# site, offline"), so the results of this script are COMMITTED under docs/assets/.
# Run it only to upgrade a version; it needs `npm` and the npm registry.
#
#   scripts/vendor_assets.sh            # fetch the pinned versions below
#   KATEX_VERSION=0.16.22 scripts/vendor_assets.sh
set -euo pipefail

KATEX_VERSION="${KATEX_VERSION:-0.19.1}"
IFRAME_WORKER_VERSION="${IFRAME_WORKER_VERSION:-1.0.4}"

root="$(cd "$(dirname "$0")/.." && pwd)"
assets="$root/docs/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# `npm pack` downloads the published tarball without running any install scripts.
cd "$work"
npm pack --silent "katex@$KATEX_VERSION" "iframe-worker@$IFRAME_WORKER_VERSION" >/dev/null
mkdir katex iframe-worker
tar xzf "katex-$KATEX_VERSION.tgz" -C katex --strip-components=1
tar xzf "iframe-worker-$IFRAME_WORKER_VERSION.tgz" -C iframe-worker --strip-components=1

# KaTeX: the minified library, its CSS, and woff2 fonts only. Every
# browser we target reads woff2, so the woff/ttf copies would be dead weight.
rm -rf "$assets/katex"
mkdir -p "$assets/katex/fonts"
cp katex/dist/katex.min.js "$assets/katex/"
cp katex/dist/fonts/*.woff2 "$assets/katex/fonts/"
# (auto-render is not needed: docs/assets/javascripts/katex-init.js renders the
# .arithmatex elements directly.)
# Drop the woff/ttf fallbacks from @font-face so the CSS names only files we ship.
sed -E 's/,url\(fonts\/[A-Za-z0-9_-]+\.(woff|ttf)\) format\("(woff|truetype)"\)//g' \
  katex/dist/katex.min.css > "$assets/katex/katex.min.css"
cp katex/LICENSE "$assets/katex/LICENSE"

# iframe-worker shim: Material's offline plugin injects an unpkg.com copy of this
# unless a polyfill whose URL contains "iframe-worker" is listed in extra.polyfills.
mkdir -p "$assets/javascripts"
cp iframe-worker/shim/index.js "$assets/javascripts/iframe-worker-shim.js"
cp iframe-worker/LICENSE "$assets/javascripts/iframe-worker-shim.LICENSE" 2>/dev/null || true

echo "vendored katex $KATEX_VERSION and iframe-worker $IFRAME_WORKER_VERSION into $assets"
