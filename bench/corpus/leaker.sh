#!/bin/sh
# Builds the corpus leaker (cli/src/test/resources/leaks/leaker.c) once into $TMPDIR and prints its path.
# Usage in scripts: LEAKER=$(bench/corpus/leaker.sh); $LEAKER pipe 2000 200  (READY <pid>, then GO on stdin)
set -e
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../cli/src/test/resources/leaks/leaker.c"
bin="${TMPDIR:-/tmp}/pooltag-leaker-$(sha256sum "$src" | cut -c1-16)/leaker"
if [ ! -x "$bin" ]; then
  mkdir -p "$(dirname "$bin")"
  gcc -O2 -o "$bin.tmp$$" "$src" && mv "$bin.tmp$$" "$bin"
fi
echo "$bin"
