#!/bin/sh
# A file-system-heavy workload with a fixed amount of work, for the live engine measurements in
# docs/PERFORMANCE.md: W workers each walk /usr twice and create, stat and delete F small files.
# Usage: fs-workload.sh [W] [F]; prints the wall time in seconds.
W=${1:-2}; F=${2:-4000}
D=$(mktemp -d /var/tmp/pooltag-fsw.XXXXXX)
start=$(date +%s.%N)
for w in $(seq 1 "$W"); do
  (
    find /usr -xdev > /dev/null 2>&1; find /usr -xdev -name '*.h' > /dev/null 2>&1
    mkdir -p "$D/$w"; i=0
    while [ $i -lt "$F" ]; do echo x > "$D/$w/f$i"; i=$((i+1)); done
    ls -l "$D/$w" > /dev/null; rm -rf "$D/$w"
  ) &
done
wait
end=$(date +%s.%N)
rm -rf "$D"
echo "$end - $start" | bc
