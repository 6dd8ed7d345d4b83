#!/usr/bin/env bash
# Extract a few books of the King James Version (public domain) from Debian's bible-kjv-text
# package into data/text/kjv/, one book per file, as a small sample for the text pipeline.
# Needs: apt-get install bible-kjv (pulls in bible-kjv-text). Output is deterministic.
set -euo pipefail
out="${1:-data/text/kjv}"
mkdir -p "$out"
for book in Ruth Esther Jonah Ecclesiastes Proverbs Mark James; do
  # -l100000: no line wrapping, so each verse is one line.
  bible -l100000 "${book}1:1-150:176" > "$out/$(echo "$book" | tr 'A-Z' 'a-z').txt"
done
wc -c "$out"/*.txt
