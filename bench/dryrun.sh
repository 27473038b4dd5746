#!/usr/bin/env bash
# Compares the whole `orosync run --dry-run` process with `jq -c` running the
# same program on the same file, in the same sitting. Usage:
#   bench/dryrun.sh [records]        (default 100000)
# Prints wall time and peak memory (max RSS) of both, best of 3 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/orosync" .
go run bench/gen.go "$n" > "$tmp/customers.jsonl"
# The same transform, producing the same request line a dry run prints.
jqprog='{method: "POST", url: "${ORO_API_URL}/customers", body: {data: {type: "customers", attributes: {
    name: .company, email: .email, phone: .phone, vatId: .vat,
    city: .address.city, postalCode: .address.zip, country: .address.country,
    creditLimit: .credit_limit, active: (.status == "active"), externalId: (.id | tostring)
  }}}}'

measure() { # name command...
  local name=$1; shift
  local best="" rss=""
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > "$tmp/out.$name" 2>/dev/null
    read -r secs kb < "$tmp/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; rss=$kb; fi
  done
  printf '%-8s %6.2f s  %7d KB max RSS  %d lines\n' "$name" "$best" "$rss" "$(wc -l < "$tmp/out.$name")"
  echo "$best" > "$tmp/best.$name"
}

echo "records: $n ($(du -h "$tmp/customers.jsonl" | cut -f1))"
measure jq jq -c "$jqprog" "$tmp/customers.jsonl"
BENCH_INPUT="$tmp/customers.jsonl" measure orosync "$tmp/orosync" run --dry-run bench/customers-10.yaml
awk -v j="$(cat "$tmp/best.jq")" -v o="$(cat "$tmp/best.orosync")" 'BEGIN{printf "orosync is %.1fx faster than jq -c\n", j/o}'
cmp <(jq -cS . "$tmp/out.jq") <(jq -cS . "$tmp/out.orosync") && echo "outputs are identical (as sorted JSON)"
