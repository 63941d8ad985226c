#!/bin/sh
# bench.sh runs the benchmarks that have peers, prints benchstat's summary
# and the ratios the design sets targets for, computed from medians.
#
# Environment: COUNT (default 10), CPU (default 1,2), BENCHTIME (default
# go test's), BENCH (default .), OUT (directory for raw results, default a
# temporary one).
#
# To add a package's pairs, append lines to PAIRS below:
#   package  numerator-benchmark  denominator-benchmark  target  label
# Names are as go test prints them, with "-2" for the second -cpu value;
# target is the bound the ratio must stay under, or "-" for none. Packages
# that do not exist yet are skipped.
set -eu

COUNT=${COUNT:-10}
CPU=${CPU:-1,2}
BENCH=${BENCH:-.}
BENCHSTAT="go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

# DELTAS are overheads measured where they are not lost in noise: what
# benchmark a costs over benchmark b, as a share of benchmark base.
#   package  a  b  base  target  label
DELTAS='
flags ProviderEvaluate PeerProviderEvaluate PeerOpenFeatureEvaluate 0.05 flags wrapper share of an OpenFeature evaluation
'

PAIRS='
heal ReportCode/serial             PeerPromCounterInc/serial   2    ReportCode/PromCounterInc (serial)
heal ReportCode/parallel           PeerPromCounterInc/parallel 2    ReportCode/PromCounterInc (parallel)
heal ReportError/serial            PeerPromCounterInc/serial   5    ReportError/PromCounterInc (serial)
heal ReportError/parallel          PeerPromCounterInc/parallel 5    ReportError/PromCounterInc (parallel)
heal ReportError/serial            PeerPromCounterVec/serial   0.34 ReportError/PromCounterVec (serial; >=3x faster)
heal ReportError/parallel          PeerPromCounterVec/parallel 0.34 ReportError/PromCounterVec (parallel; >=3x faster)
heal ReportCode/parallel-2         ReportCode/parallel         1    ReportCode cpu2/cpu1 (parallel)
heal ReportError/parallel-2        ReportError/parallel        1    ReportError cpu2/cpu1 (parallel)
heal ReportError/parallel-targets-2 ReportError/parallel-targets 1 ReportError cpu2/cpu1 (four targets)
heal ReportCodeTaxonomy/codes=10000 ReportCodeTaxonomy/codes=10 1.2 ReportCode 10000 codes/10 codes
breaker Execute                    PeerGobreakerExecute        1.1  breaker Execute/gobreaker Execute
flags Evaluate                     PeerOpenFeatureEvaluate     1.05 flags Evaluate/OpenFeature Evaluate
'

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

pkgs=
for p in heal breaker flags; do
	if ls "$p"/*_test.go >/dev/null 2>&1; then
		pkgs="$pkgs ./$p/"
	fi
done

benchtime=
if [ -n "${BENCHTIME:-}" ]; then
	benchtime="-test.benchtime=$BENCHTIME"
fi

# Every benchmark runs in a process of its own, COUNT times, and each run
# goes through the package's benchmarks in turn, forwards on even runs and
# backwards on odd ones. On a shared machine a benchmark and its peer so
# alternate in time, and load that comes and goes falls on both sides of a
# ratio instead of on whichever ran during it. A process of its own keeps
# one benchmark's garbage, caches and position in the run off the next one:
# the first benchmark in a process measures a few percent slower than the
# same benchmark run second, which decided close pairs.
top=${BENCH%%/*}
sub=
case $BENCH in */*) sub=/${BENCH#*/} ;; esac
for p in $pkgs; do
	name=$(basename "$p")
	bin="$out/$name.test"
	go test -c -o "$bin" "$p"
	list=$(cd "$p" && "$bin" -test.list "$top" | grep '^Benchmark' || true)
	[ -n "$list" ] || continue
	rev=$(echo "$list" | awk '{l[NR] = $0} END {for (i = NR; i > 0; i--) print l[i]}')
	echo "== $p: -cpu $CPU $benchtime, $COUNT runs, each benchmark in its own process" >&2
	: >"$out/$name.txt"
	i=0
	while [ "$i" -lt "$COUNT" ]; do
		order=$list
		if [ $((i % 2)) -eq 1 ]; then
			order=$rev
		fi
		for b in $order; do
			# shellcheck disable=SC2086 # benchtime is empty or one word
			(cd "$p" && "$bin" -test.run '^$' -test.bench "^$b\$$sub" -test.benchmem \
				-test.count 1 -test.cpu "$CPU" $benchtime) >>"$out/$name.txt"
		done
		i=$((i + 1))
	done
	echo
	echo "### $name"
	$BENCHSTAT "$out/$name.txt" || echo "(benchstat failed; raw results in $out/$name.txt)"
done

# median prints the median ns/op of benchmark $2 in file $1, or nothing.
median() {
	awk -v want="Benchmark$2" '
		$1 == want { for (i = 3; i < NF; i++) if ($(i+1) == "ns/op") v[n++] = $i }
		END {
			if (n == 0) exit
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			if (n % 2) print v[int(n/2)]; else print (v[n/2-1] + v[n/2]) / 2
		}' "$1"
}

# spread prints the middle half (25th to 75th percentile) of the ratios of
# benchmark $2 to benchmark $3 in file $1, taken run by run: the two were
# measured next to each other in time, so the spread shows how far one
# run's ratio can stray from the median.
spread() {
	awk -v a="Benchmark$2" -v b="Benchmark$3" '
		function ns(   i) { for (i = 3; i < NF; i++) if ($(i+1) == "ns/op") return $i }
		$1 == a { x[na++] = ns() }
		$1 == b { y[nb++] = ns() }
		END {
			n = na < nb ? na : nb
			if (n == 0) exit
			for (i = 0; i < n; i++) r[i] = x[i] / y[i]
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
			printf "%.2f-%.2f", r[int((n - 1) / 4)], r[int(3 * (n - 1) / 4)]
		}' "$1"
}

echo
echo "### ratios (medians of $COUNT runs; per-run ratios' middle half)"
printf '%-52s %10s %10s %7s %9s %7s\n' pair numerator denominator ratio per-run target
echo "$PAIRS" | while read -r pkg num den target label; do
	[ -n "$pkg" ] || continue
	f="$out/$pkg.txt"
	[ -f "$f" ] || continue
	a=$(median "$f" "$num")
	b=$(median "$f" "$den")
	if [ -z "$a" ] || [ -z "$b" ]; then
		printf '%-52s %s\n' "$label" "(missing: Benchmark$num or Benchmark$den)"
		continue
	fi
	iqr=$(spread "$f" "$num" "$den")
	awk -v l="$label" -v a="$a" -v b="$b" -v q="$iqr" -v t="$target" 'BEGIN {
		r = a / b
		verdict = (t == "-") ? "" : (r <= t ? "ok" : "MISSED")
		printf "%-52s %10.2f %10.2f %7.2f %9s %7s %s\n", l, a, b, r, q, t, verdict
	}'
done
echo
echo "### overheads (medians of $COUNT runs)"
printf '%-52s %10s %10s %7s %7s\n' overhead added base share target
echo "$DELTAS" | while read -r pkg a b base target label; do
	[ -n "$pkg" ] || continue
	f="$out/$pkg.txt"
	[ -f "$f" ] || continue
	va=$(median "$f" "$a")
	vb=$(median "$f" "$b")
	vbase=$(median "$f" "$base")
	if [ -z "$va" ] || [ -z "$vb" ] || [ -z "$vbase" ]; then
		printf '%-52s %s\n' "$label" "(missing: Benchmark$a, $b or $base)"
		continue
	fi
	awk -v l="$label" -v a="$va" -v b="$vb" -v base="$vbase" -v t="$target" 'BEGIN {
		d = a - b
		r = d / base
		printf "%-52s %10.2f %10.2f %7.3f %7s %s\n", l, d, base, r, t, (r <= t ? "ok" : "MISSED")
	}'
done
echo
echo "raw results: $out"
