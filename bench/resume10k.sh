#!/usr/bin/env bash
# Resume of a 10,000-task run with 9,999 tasks done: how long until the one
# changed task starts. Usage: bench/resume10k.sh [path/to/weir]
set -euo pipefail
weir=${1:-weir}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
{
	printf 'pool "two" {\n  processes = 2\n}\n'
	for i in $(seq 0 9999); do
		printf 'stage "t%d" {\n  pool = pool.two\n  command = ["/bin/true"]\n  memory = "64MiB"\n}\n' "$i"
	done
} > wf.hcl
"$weir" run -q wf.hcl
# Change the last task only; resume must reuse the other 9,999.
sed -i '$d' wf.hcl && sed -i '$d' wf.hcl && sed -i '$d' wf.hcl
printf '  command = ["/bin/echo", "changed"]\n  memory = "64MiB"\n}\n' >> wf.hcl
start=$(date +%s%N)
"$weir" resume | while IFS= read -r line; do
	case "$line" in
	*"reusing "*) echo "$line" ;;
	*"start   t9999"*) echo "t9999 started $(( ($(date +%s%N) - start) / 1000000 )) ms after resume began" ;;
	esac
done
