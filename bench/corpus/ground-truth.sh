#!/bin/sh
# Ground truth of every corpus leak (bench/corpus/oracle.py), as markdown: ./ground-truth.sh [COUNT] [RATE]
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=${TMPDIR:-/tmp}/pooltag-leaker-$$
gcc -O2 -Wall -o "$bin" "$here/../../cli/src/test/resources/leaks/leaker.c"
for k in pipe unix udp tcp inotify fanotify epoll eventfd timerfd signalfd msg sem key mq memfd; do
  python3 "$here/oracle.py" "$bin" "$k" "${1:-400}" "${2:-200}" "$(( ${1:-400} / 2 ))"
  echo
done
rm -f "$bin"
