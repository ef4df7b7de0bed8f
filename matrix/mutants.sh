#!/usr/bin/env bash
# make mutants: prove the matrix has teeth. For each bug planted in sshlib by
# the test-only build tag `sshlibfaults` (sshlib/faults_on.go,
# sshlib/internal/kex/faults_on.go), run the pairwise matrix and require at
# least one red cell. Then run sshlib's own unit tests under the first fault
# to show which of them notice: tests that only talk to sshlib itself (the
# packet layer's seal/open round trips) stay green; the ones against an
# independent peer or a separate derivation go red. That is why this harness exists.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${SSHMATRIX_OUT:-out}/mutants
mkdir -p "$out"
faults=(kdf-mac-hash kdf-extension hybrid-mpint)
survived=()
for f in "${faults[@]}"; do
    echo "== mutant $f: pairwise matrix with SSHLIB_FAULT=$f"
    start=$(date +%s)
    # One red cell is the proof: after 3, the rest are skipped (and say so).
    SSHLIB_FAULT=$f go test -tags sshlibfaults -count=1 ./matrix \
        -run TestMatrix -matrix.mode=pairwise -matrix.stop-after=3 -matrix.out="$PWD/$out/$f" -timeout 40m >"$out/$f.log" 2>&1
    rc=$?
    red=$(grep -c -- '--- FAIL: TestMatrix/[^/]*/' "$out/$f.log" || true)
    if [ "$rc" -ne 0 ] && [ "$red" -gt 0 ]; then
        echo "   caught: $red red cell(s) in $(( $(date +%s) - start ))s, e.g.:"
        grep -m 3 -- '--- FAIL: TestMatrix/[^/]*/' "$out/$f.log" | sed 's/^ */     /'
    else
        echo "   SURVIVED (go test exit $rc, $red red cells): see $out/$f.log"
        survived+=("$f")
    fi
done
echo "== sshlib's own tests under SSHLIB_FAULT=${faults[0]}"
SSHLIB_FAULT=${faults[0]} go test -tags sshlibfaults -count=1 -v ./sshlib/... >"$out/unit-${faults[0]}.log" 2>&1
echo "   stay green (self round trips, no independent peer):"
grep -E '^ok ' "$out/unit-${faults[0]}.log" | sed 's/^/     /'
echo "   go red (an independent peer or a separate derivation):"
grep -E '^--- FAIL: [A-Za-z]+' "$out/unit-${faults[0]}.log" | sed 's/ (.*//; s/^/     /' | sort -u | head -20
if [ ${#survived[@]} -gt 0 ]; then
    echo "mutants: ${#survived[@]} planted bug(s) survived: ${survived[*]}"
    exit 1
fi
echo "mutants: all ${#faults[@]} planted bugs caught"
