#!/bin/bash
# verifier_corpus.sh - the verifier on the ebpf-samples corpus must not regress: at least
# MIN_ACCEPT of the 322 kernel-accepted programs accepted, at least MIN_REJECT of the 13
# kernel-rejected ones rejected, no program above 64 MB, and at most MAX_INSNS instructions
# processed in all on the accepted ones (pruning must not regress; a count, not a time).
# Runs bench/verifier_bench.
MIN_ACCEPT=322
MIN_REJECT=13
MAX_INSNS=4000000
out=$("$XBPF_BUILD/verifier_bench" "$XBPF_SHARED/ebpf-samples") || { echo "bench failed"; exit 1; }
echo "$out" | tail -6
acc=$(echo "$out" | sed -n 's/^kernel-accepted programs accepted: \([0-9]*\)\/.*/\1/p')
rej=$(echo "$out" | sed -n 's/^kernel-rejected programs rejected: \([0-9]*\)\/.*/\1/p')
mb=$(echo "$out" | sed -n 's/^largest peak memory of one program: \([0-9]*\)\..*/\1/p')
ins=$(echo "$out" | sed -n 's/^instructions processed on kernel-accepted programs: \([0-9]*\) .*/\1/p')
fail=0
[ -n "$acc" ] && [ "$acc" -ge $MIN_ACCEPT ] || { echo "FAIL: accepted $acc < $MIN_ACCEPT"; fail=1; }
[ -n "$rej" ] && [ "$rej" -ge $MIN_REJECT ] || { echo "FAIL: rejected $rej < $MIN_REJECT"; fail=1; }
[ -n "$mb" ] && [ "$mb" -le 64 ] || { echo "FAIL: peak memory $mb MB > 64"; fail=1; }
[ -n "$ins" ] && [ "$ins" -le $MAX_INSNS ] || { echo "FAIL: $ins instructions processed > $MAX_INSNS"; fail=1; }
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
