#!/usr/bin/env bash
# examples/sip-hotline under a SIPp surge, on loopback: the issue-14 proof
# that a freshly opened service takes a surge instead of refusing it.
#
#   1. surge: SIPp's built-in uac scenario, RATE calls/s for DURATION
#      seconds, to an event number: every call is answered, queued in
#      the router and hung up by the caller. Reported: calls created,
#      successful, failed, retransmissions, and the hotline's report
#      line for the queue.
#   2. teardown: HELD calls that stay up (SIPp scenario uac_wait_bye.xml)
#      while two simulated agents answer a few; at the term's end every
#      call still up must get the hotline's BYE (SIPp: all successful).
#
# Usage: bench/sip/hotline.sh     (RATE=1500 DURATION=5 REPEAT=3 HELD=60 by default)
# Needs go and sipp (apt-get install sip-tester).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RATE=${RATE:-1500}
DURATION=${DURATION:-5}
HELD=${HELD:-60}
REPEAT=${REPEAT:-3}
OUT=$(mktemp -d /tmp/hotline.XXXXXX)
command -v sipp >/dev/null || { echo "sipp not found: apt-get install sip-tester" >&2; exit 1; }
go build -o "$OUT/hotline" ./examples/sip-hotline
NUMBER=+15550100001
PID=""
trap 'if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; fi' EXIT

stats() { # stats FILE: the last line's counters
	python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
h, last = rows[0], rows[-1]
print(" ".join(f"{k}={last[h.index(k)]}" for k in
	["TotalCallCreated", "SuccessfulCall(C)", "FailedCall(C)", "Retransmissions(C)", "CallRate(C)"]))
PY
}

for run in $(seq 1 "$REPEAT"); do
	echo "== surge $run/$REPEAT: $RATE calls/s for $DURATION s"
	"$OUT/hotline" -listen 127.0.0.1:25070 -term 20s >"$OUT/surge$run.out" 2>"$OUT/surge$run.err" &
	PID=$!
	sleep 1
	(cd "$OUT" && sipp 127.0.0.1:25070 -sn uac -s $NUMBER -i 127.0.0.1 -p 25071 \
		-m $((RATE * DURATION)) -r "$RATE" -l 100000 -max_socket 100 -trace_stat -stf "$OUT/surge$run.csv" -timeout 60s >/dev/null 2>&1) || true
	stats "$OUT/surge$run.csv"
	wait "$PID" || true
	PID=""
	grep -E '^queue ' "$OUT/surge$run.out" || true
done

echo "== teardown: $HELD calls held until the term ends"
"$OUT/hotline" -listen 127.0.0.1:25072 -term 10s -handle 3s >"$OUT/held.out" 2>"$OUT/held.err" &
PID=$!
sleep 1
(cd "$OUT" && sipp 127.0.0.1:25072 -sf "$ROOT/modality/sipchannel/testdata/sipp/uac_wait_bye.xml" -s $NUMBER -i 127.0.0.1 -p 25073 \
	-m "$HELD" -r 20 -l 100000 -max_socket 100 -trace_stat -stf "$OUT/held.csv" -timeout 40s >/dev/null 2>&1) || true
stats "$OUT/held.csv"
wait "$PID" || true
PID=""
grep -E '^(queue|closing|proof)' "$OUT/held.out" || true
echo "# raw results in $OUT"
