# quickstart.hcl: the first weir workflow to read.
#
#   generate --+--> shard[0] --+
#              +--> shard[1] --+
#              +--> shard[2] --+--> reduce --> report --> results/quickstart-100000.txt
#              +--> shard[3] --+
#
# It sums the numbers 1..count in parallel shards and checks the total.
# Needs nothing but weir, /bin/sh and standard tools (seq, awk); runs in seconds.
#
#   weir validate workflows/quickstart.hcl
#   weir plan     workflows/quickstart.hcl --var count=500000
#   weir graph    workflows/quickstart.hcl --format mermaid
#
# Nothing in this file runs until all of it has been checked: a typo in a
# reference, a cap larger than its pool or a bad size is reported up front.

workflow "quickstart" {
  description = "Sum 1..count in parallel shards and check the result."
  # state_dir defaults to .weir next to this file; segments live in /dev/shm/weir.
}

# Set with --var count=500000, a --var-file, or WEIR_VAR_count=500000.
variable "count" {
  type        = number
  default     = 100000
  description = "How many numbers to generate (1..count)."

  validation {
    condition     = var.count >= 1 && var.count <= 1000000 && floor(var.count) == var.count
    error_message = "count must be a whole number from 1 to 1000000."
  }
}

variable "shards" {
  type    = number
  default = 4

  validation {
    condition     = var.shards >= 1 && var.shards <= 16 && floor(var.shards) == var.shards
    error_message = "shards must be a whole number from 1 to 16."
  }
}

locals {
  # The total the report checks against: 1 + 2 + ... + count.
  expected = var.count * (var.count + 1) / 2
  report   = "results/quickstart-${var.count}.txt"
}

# A pool bounds what runs at once: at most 2 stage processes, and the memory
# caps of those running may add up to at most 256 MiB. Without a pool block,
# stages go to the implicit pool "default" (one process per CPU).
pool "work" {
  processes = 2
  memory    = "256MiB"
}

# A script runs as `/bin/sh -eu -c SCRIPT`: the first failing command fails the
# stage, and an unset variable is an error. In a script, ${...} is HCL and is
# filled in before the run (${var.count}); shell variables are written $NAME.
#
# A stage starts with a clean environment: only what it declares (env,
# env_passthrough) and weir's own WEIR_* variables, so a run does not depend on
# whoever's shell started it. PATH is passed through explicitly for seq and awk.
stage "generate" {
  pool            = pool.work
  env_passthrough = ["PATH"]
  memory          = "32MiB" # hard cap; the stage is killed (reason "oom") past it
  timeout         = "30s"   # SIGTERM to the whole process group, SIGKILL 10s later

  script = <<-EOT
    seq 1 ${var.count} > "$WEIR_OUTPUT_NUMBERS"
  EOT

  # A named segment in shm_dir. The stage writes the file at $WEIR_OUTPUT_NUMBERS;
  # when it exits 0 weir commits it and makes it read-only for the consumers.
  # The pages written to /dev/shm count against this stage's memory cap.
  output "numbers" {
    size = "8MiB" # the most it may hold: 1..1000000 is 6.9 MB of text
  }
}

# for_each fans out: one task per element, here shard[0] .. shard[3].
# each.key is the element's index as a string, each.value the number itself.
stage "shard" {
  for_each        = range(var.shards)
  pool            = pool.work
  env             = { SHARD = each.key, SHARDS = var.shards }
  env_passthrough = ["PATH"]
  memory          = "16MiB" # reading the input segment is not charged to the reader
  timeout         = "30s"

  # Every shard reads the same committed segment: no copy, no serialisation.
  # Line i belongs to shard (i mod SHARDS). One line out: count sum min max.
  script = <<-EOT
    awk -v shard="$SHARD" -v shards="$SHARDS" '
      NR % shards == shard {
        if (n == 0 || $1 < lo) lo = $1
        if (n == 0 || $1 > hi) hi = $1
        n++; s += $1
      }
      END { printf "%.0f %.0f %.0f %.0f\n", n, s, lo, hi }
    ' "$WEIR_INPUT_NUMBERS" > "$WEIR_OUTPUT_PART"
  EOT

  # This reference is also the edge generate -> shard[*].
  input "numbers" {
    from = stage.generate.output.numbers
  }

  output "part" {
    size = "1KiB"
  }
}

stage "reduce" {
  pool            = pool.work
  env_passthrough = ["PATH"]
  memory          = "16MiB"
  timeout         = "30s"

  # An input fed by several segments gets their paths one per line.
  script = <<-EOT
    printf '%s\n' "$WEIR_INPUT_PARTS" | while IFS= read -r part; do cat "$part"; done |
      awk '
        $1 > 0 {
          if (n == 0 || $3 < lo) lo = $3
          if (n == 0 || $4 > hi) hi = $4
          n += $1; s += $2
        }
        END { printf "%.0f %.0f %.0f %.0f\n", n, s, lo, hi }
      ' > "$WEIR_OUTPUT_TOTALS"
  EOT

  # stage.shard is a map of its tasks by key; values(...)[*] takes all of them,
  # so reduce waits for every shard.
  input "parts" {
    from = values(stage.shard)[*].output.part
  }

  output "totals" {
    size = "1KiB"
  }
}

stage "report" {
  pool            = pool.work
  env_passthrough = ["PATH"]
  memory          = "16MiB"
  timeout         = "30s"

  # Exit non-zero and the run fails here, loudly, instead of publishing a
  # wrong number.
  script = <<-EOT
    read n sum lo hi < "$WEIR_INPUT_TOTALS"
    if [ "$n" -ne ${var.count} ] || [ "$sum" -ne ${local.expected} ]; then
      echo "mismatch: $n numbers summing to $sum, expected ${var.count} and ${local.expected}" >&2
      exit 1
    fi
    {
      echo "numbers  $n ($lo..$hi)"
      echo "sum      $sum"
      echo "shards   ${var.shards}"
      echo "run      $WEIR_RUN_ID"
    } | tee "$WEIR_OUTPUT_REPORT"
  EOT

  input "totals" {
    from = stage.reduce.output.totals
  }

  # publish: copied to results/ (next to this file) when the run succeeds.
  output "report" {
    size    = "4KiB"
    publish = local.report
  }
}
