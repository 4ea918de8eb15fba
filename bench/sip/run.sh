#!/usr/bin/env bash
# The eventcc SIP channel against a bare sipgo UAS, side by side, under
# SIPp, on loopback. Four parts:
#
#   1. sweep: SIPp's built-in uac scenario at increasing rates against
#      (a) bench/sip/eventccuas (modality/sipchannel: number pool look-up,
#      admission, engagement bookkeeping, SDP answer) and (b)
#      bench/sip/bareuas (sipgo's dialog cache answering 200), alternating
#      which goes first at each rate; a fresh server process per step.
#      Reported per step: calls/s achieved, failed calls, SIPp
#      retransmissions, server CPU (total and per call), resident memory,
#      and the ratio eventcc/bare.
#   2. at 80 % of the eventcc channel's maximum (the highest rate it
#      sustained with zero failed calls): both again, failures and ratio.
#   3. teardown: 1,000 answered calls of one service (SIPp scenario
#      uac_wait_bye.xml: every call waits for our BYE), disconnected at
#      once; how long Disconnect took, and whether SIPp saw every BYE.
#   4. memory: per active call (2,000 calls held up), and per call/s
#      sustained (finished calls linger in sipgo's transaction timers for
#      about 32 s over UDP).
#
# Usage (from anywhere in the repository):
#
#   bench/sip/run.sh
#   RATES="500 1000 2000" STEP=5 PARTS="sweep teardown" bench/sip/run.sh
#
# Environment: RATES (calls/s, default "1000 2000 3000 4000 5000 6000"),
# STEP (seconds of calls per step, default 10), TRANSPORT (SIPp's -t: u1
# for UDP, the default, or t1 for TCP), PARTS (default "sweep 80 teardown
# memory"), OUT (directory for raw results; default a new /tmp dir).
# Needs go and sipp (apt-get install sip-tester). Figures depend on the
# machine and its load: SIPp shares the CPU with the server measured.
set -euo pipefail
cd "$(dirname "$0")/../.."

RATES=${RATES:-"1000 2000 3000 4000 5000 6000"}
STEP=${STEP:-10}
TRANSPORT=${TRANSPORT:-u1}
PARTS=${PARTS:-"sweep 80 teardown memory"}
OUT=${OUT:-$(mktemp -d /tmp/sipbench.XXXXXX)}
NUMBER=+15550001001
HOST=127.0.0.1
PORT_EVENTCC=25090
PORT_BARE=25080
SIPP_PORT=25061
SIPP_MEDIA=26000
CLK_TCK=$(getconf CLK_TCK)

command -v sipp >/dev/null || { echo "sipp not found: apt-get install sip-tester" >&2; exit 1; }
mkdir -p "$OUT"
echo "# raw results in $OUT" >&2
go build -o "$OUT/eventccuas" ./bench/sip/eventccuas
go build -o "$OUT/bareuas" ./bench/sip/bareuas

SERVER=""
cleanup() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; }
trap cleanup EXIT

# start_server IMPL TAG [flags...]: start a fresh server; sets SERVER.
start_server() {
  local impl=$1 tag=$2; shift 2
  local port=$PORT_BARE
  [ "$impl" = eventccuas ] && port=$PORT_EVENTCC
  "$OUT/$impl" -listen "$HOST:$port" -stats "$OUT/$tag.stats" "$@" >"$OUT/$tag.server" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do grep -q listening "$OUT/$tag.server" && return 0; sleep 0.05; done
  echo "$impl did not start: $(cat "$OUT/$tag.server")" >&2; exit 1
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }
port_of() { if [ "$1" = eventccuas ]; then echo $PORT_EVENTCC; else echo $PORT_BARE; fi; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# heap_after_gc TAG: force a collection in the server, print its live heap (bytes).
heap_after_gc() {
  local before; before=$(grep -c '"gc":true' "$OUT/$1.stats" || true)
  kill -USR1 "$SERVER"
  for _ in $(seq 100); do
    [ "$(grep -c '"gc":true' "$OUT/$1.stats" || true)" -gt "$before" ] && break
    sleep 0.05
  done
  grep '"gc":true' "$OUT/$1.stats" | tail -n1 | sed 's/.*"heapLive":\([0-9]*\).*/\1/'
}
# stat COLUMN CSV: the last value of a SIPp statistics column.
stat() { awk -F';' -v col="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i } END { print $c + 0 }' "$2"; }

# sipp_run TAG PORT ARGS...: run SIPp, print "rc elapsed".
sipp_run() {
  local tag=$1 port=$2; shift 2
  local start end rc=0
  start=$(date +%s.%N)
  sipp "$HOST:$port" -t "$TRANSPORT" -i "$HOST" -p "$SIPP_PORT" -mp "$SIPP_MEDIA" -nostdin \
    -timeout "$((STEP * 4 + 60))s" -timeout_error -trace_stat -stf "$OUT/$tag.csv" -fd 1 \
    -trace_err -error_file "$OUT/$tag.errors" "$@" >"$OUT/$tag.sipp" 2>&1 || rc=$?
  end=$(date +%s.%N)
  echo "$rc $(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
}

# step IMPL RATE SECONDS: one measured run; appends a line to $OUT/$STEPS.
STEPS=steps
step() {
  local impl=$1 rate=$2 secs=$3 tag="$1-$2-$3s"
  start_server "$impl" "$tag"
  local c0; c0=$(cpu_ticks "$SERVER")
  read -r rc elapsed < <(sipp_run "$tag" "$(port_of "$impl")" -sn uac -s "$NUMBER" -r "$rate" -m "$((rate * secs))" -l "$((rate * 4))")
  local c1 rss; c1=$(cpu_ticks "$SERVER"); rss=$(rss_kb "$SERVER")
  stop_server
  local ok fail retr; ok=$(stat 'SuccessfulCall(C)' "$OUT/$tag.csv"); fail=$(stat 'FailedCall(C)' "$OUT/$tag.csv")
  retr=$(stat 'Retransmissions(C)' "$OUT/$tag.csv")
  local cpu; cpu=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN { print (b - a) / t }')
  printf '%s %s %s %s %s %s %s %s %s\n' "$impl" "$rate" "$rc" "$ok" "$fail" "$retr" "$elapsed" "$cpu" "$rss" >>"$OUT/$STEPS"
}

# report_steps FILE: a markdown table of the steps in $OUT/FILE.
report_steps() {
  awk '
    BEGIN { print "| offered calls/s | server | exit | calls/s achieved | failed | retrans. | server CPU s | CPU µs/call | RSS MB | eventcc/bare |"
            print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|" }
    {
      achieved = $4 / $7; us = ($4 > 0) ? $8 / $4 * 1e6 : 0
      key = $2; a[$1, key] = achieved
      line[NR] = sprintf("| %d | %s | %d | %.0f | %d | %d | %.2f | %.0f | %.0f |", $2, $1, $3, achieved, $5, $6, $8, us, $9 / 1024)
      rate[NR] = key; impl[NR] = $1; n = NR
    }
    END {
      for (i = 1; i <= n; i++) {
        if (!(i in line)) continue
        r = ""
        if (impl[i] == "eventccuas" && a["bareuas", rate[i]] > 0) r = sprintf("%.2f", a["eventccuas", rate[i]] / a["bareuas", rate[i]])
        print line[i] " " r " |"
      }
    }' "$OUT/$1"
}

echo "# SIP benchmark: $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), transport $TRANSPORT, $STEP s per step"
echo "# $(go version), $(sipp -v 2>&1 | grep -m1 SIPp | tr -s ' ')"

case " $PARTS " in *" sweep "*|*" 80 "*)
  : >"$OUT/steps"
  i=0
  for rate in $RATES; do
    if [ $((i % 2)) -eq 0 ]; then order="eventccuas bareuas"; else order="bareuas eventccuas"; fi
    for impl in $order; do step "$impl" "$rate" "$STEP"; done
    i=$((i + 1))
  done
  echo
  echo "## Sweep (SIPp uac, $STEP s per step)"
  report_steps steps
  # The eventcc channel's maximum: the highest rate sustained with exit 0,
  # zero failed calls and at least 95 % of the offered rate achieved.
  max=$(awk '$1 == "eventccuas" && $3 == 0 && $5 == 0 && $4 / $7 >= 0.95 * $2 { if ($2 > m) m = $2 } END { print m + 0 }' "$OUT/steps")
  bare=$(awk '$1 == "bareuas" && $3 == 0 && $5 == 0 && $4 / $7 >= 0.95 * $2 { if ($2 > m) m = $2 } END { print m + 0 }' "$OUT/steps")
  echo
  echo "maximum sustained with zero failures: eventcc $max calls/s, bare sipgo $bare calls/s"
  ;;
esac

case " $PARTS " in *" 80 "*)
  if [ "${max:-0}" -gt 0 ]; then
    r80=$(( (max * 8 / 10 + 50) / 100 * 100 ))
    STEPS=steps80
    : >"$OUT/$STEPS"
    for impl in bareuas eventccuas; do step "$impl" "$r80" "$((STEP * 2))"; done
    echo
    echo "## At 80 % of the eventcc maximum: $r80 calls/s for $((STEP * 2)) s"
    report_steps steps80
  fi
  ;;
esac

case " $PARTS " in *" teardown "*)
  tag=teardown
  start_server eventccuas "$tag" -teardown-at 1000
  read -r rc elapsed < <(sipp_run "$tag" "$PORT_EVENTCC" -sf modality/sipchannel/testdata/sipp/uac_wait_bye.xml -s "$NUMBER" -r 500 -m 1000 -l 1100)
  stop_server
  echo
  echo "## Teardown of 1,000 answered calls of one service"
  echo "Disconnect: $(grep '"disconnected"' "$OUT/$tag.server" || echo 'no report')"
  echo "SIPp: exit $rc, $(stat 'SuccessfulCall(C)' "$OUT/$tag.csv") calls completed by our BYE, $(stat 'FailedCall(C)' "$OUT/$tag.csv") failed"
  ;;
esac

case " $PARTS " in *" memory "*)
  echo
  echo "## Memory"
  held=2000
  for impl in eventccuas bareuas; do
    tag="$impl-held"
    start_server "$impl" "$tag"
    h0=$(heap_after_gc "$tag"); r0=$(rss_kb "$SERVER")
    sipp "$HOST:$(port_of "$impl")" -t "$TRANSPORT" -sn uac -s "$NUMBER" -i "$HOST" -p "$SIPP_PORT" -mp "$SIPP_MEDIA" -nostdin \
      -r 500 -m "$held" -l "$((held + 100))" -d 120000 >"$OUT/$tag.sipp" 2>&1 &
    sipp_pid=$!
    sleep $((held / 500 + 3)) # the calls are placed at 500/s, then held for 120 s
    h1=$(heap_after_gc "$tag"); r1=$(rss_kb "$SERVER")
    kill "$sipp_pid" 2>/dev/null || true; wait "$sipp_pid" 2>/dev/null || true
    stop_server
    echo "$impl: $held calls held up: live heap +$(( (h1 - h0) / held )) B/call, RSS +$(( (r1 - r0) * 1024 / held )) B/call (heap $h0 -> $h1 B)"

    tag="$impl-steady"
    start_server "$impl" "$tag"
    sipp_run "$tag" "$(port_of "$impl")" -sn uac -s "$NUMBER" -r 500 -m $((500 * 40)) -l 2000 >/dev/null
    h=$(heap_after_gc "$tag"); r=$(rss_kb "$SERVER")
    stop_server
    echo "$impl: after 40 s at 500 calls/s: live heap $((h / 1024 / 1024)) MiB = $((h / 500)) B per call/s sustained, RSS $((r / 1024)) MiB"
  done
  ;;
esac
