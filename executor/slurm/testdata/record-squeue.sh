#!/usr/bin/env bash
# Records squeue's output for jobs in every state the runner meets, in the
# format the runner asks for, into testdata/squeue/. Needs the cluster of
# scripts/slurm-cluster and takes about 90 s (a job must time out).
set -euo pipefail
cd "$(dirname "$0")/squeue"
format='JobArrayID:|,JobID:|,State:|,Reason:|,exit_code:|,StartTime:|,EndTime:|,NodeList:|'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sub() { sbatch --parsable --no-requeue -o /dev/null "$@"; }

completed=$(sub --wrap true)
exit3=$(sub --wrap 'exit 3')
signal=$(sub --wrap 'kill -9 $$')
oom=$(sub --mem=64M --wrap 'python3 -c "b = bytearray(300 << 20)"')
cancelled=$(sub --wrap 'sleep 300')
pending=$(sub --begin=now+3600 --wrap true)
held=$(sub -H --wrap true)
timeout=$(sub --time=1 --wrap 'sleep 300')
running=$(sub --wrap 'sleep 120')
array=$(sub -a 0-2 --wrap 'sleep 120')
arraypending=$(sub -a 0-2 --begin=now+3600 --wrap true)
sleep 3
scancel "$cancelled" "${arraypending}_1"
sleep 2
all="$completed,$exit3,$signal,$oom,$cancelled,$pending,$held,$timeout,$running,${array}_0,${array}_1,${array}_2,${arraypending}_0,${arraypending}_1,${arraypending}_2"
squeue -h -r -t all -j "$all" -O "$format" >active.txt
# squeue -h -t all without -r folds pending array elements into one line.
squeue -h -t all -j "$arraypending" -O "$format" >array-folded.txt
squeue -h -r -t all -j 99999999 -O "$format" 2>one-unknown.stderr || true
: >empty.txt
scancel "$running" "$array" "$pending" "$held" "$arraypending"
sleep 1
squeue -h -r -t all -j "$all" -O "$format" >just-cancelled.txt
echo "waiting for job $timeout to time out" >&2
while [ "$(squeue -h -t all -j "$timeout" -o %T)" != TIMEOUT ]; do sleep 5; done
squeue -h -r -t all -j "$all" -O "$format" >all-states.txt
