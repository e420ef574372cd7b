#!/usr/bin/env bash
# Debian packages the build needs: LaTeX for the PDF (pdflatex route, see _config.yml) and
# poppler-utils (pdftotext) for the end-to-end test. With --test also Chromium with its
# WebDriver for the real-browser test of the site (tests/test_browser.py; no browser is
# downloaded from anywhere else): `make test` asks for them, `make book` does not.
# Installs only what is missing.
set -euo pipefail
packages=(texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended tex-gyre
          texlive-lang-european latexmk poppler-utils)
case "${1:-}" in
    "") ;;
    --test) packages+=(chromium chromium-driver) ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
