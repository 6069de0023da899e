#!/usr/bin/env bash
# The whole test command on a busy machine: LOAD (default 8) CPU-burning processes in the
# background, at normal priority, while scripts/test.sh runs; then what it took and the load it
# saw. The suite asserts on what the code does (counters, states, eventual conditions), not on
# how fast the machine is, so it must pass here too. Arguments go to scripts/test.sh.
# The burners stop when this script ends, however it ends (each one also quits by itself once
# this script is gone, a kill -9 included).
set -uo pipefail
cd "$(dirname "$0")/.."
LOAD=${LOAD:-8}

burners=()
stop_burners() {
  [ ${#burners[@]} -eq 0 ] && return
  kill "${burners[@]}" 2>/dev/null
  wait "${burners[@]}" 2>/dev/null
  burners=()
}
trap stop_burners EXIT
trap 'exit 130' INT TERM

for _ in $(seq "$LOAD"); do
  # a busy loop that lives as long as this script: its parent changes when the script is gone
  python3 -c 'import os
parent = os.getppid()
while os.getppid() == parent:
    pass' &
  burners+=($!)
done
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "==> $LOAD CPU burners (pids ${burners[*]}) on $(nproc) cores; load average $(loadavg)"

start=$(date +%s)
bash scripts/test.sh "$@"
rc=$?
took=$(( $(date +%s) - start ))
echo "==> the test command under $LOAD burners: exit $rc after $((took / 60)) min $((took % 60)) s;" \
     "load average at the end $(loadavg) on $(nproc) cores (other work on the machine counts too)"
exit $rc
