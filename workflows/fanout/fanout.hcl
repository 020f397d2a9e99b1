# fanout.hcl: one dataset, N shards in parallel, one reduce.
#
#   prepare --samples--+--> shard[0]   --part--+
#                      +--> shard[1]   --part--+--> reduce --> results/histogram.csv
#                      +--> shard[N-1] --part--+          +--> results/stats.json
#
# prepare writes N * per_shard float64 samples into one segment; each shard maps
# it read-only and summarises its own slice (count, sum, min, max, histogram);
# reduce merges the parts. Python 3 standard library only.
#
#   weir validate workflows/fanout/fanout.hcl
#   weir graph    workflows/fanout/fanout.hcl --var shards=8 --format mermaid
#   weir graph    workflows/fanout/fanout.hcl --stages   # shard[*] drawn as one node

workflow "fanout" {
  description = "Sharded statistics over one shared dataset."
}

variable "shards" {
  type    = number
  default = 4

  validation {
    condition     = var.shards >= 1 && var.shards <= 32 && floor(var.shards) == var.shards
    error_message = "shards must be a whole number from 1 to 32."
  }
}

variable "per_shard" {
  type        = number
  default     = 250000
  description = "Samples each shard reads."

  validation {
    condition     = var.per_shard >= 1000 && var.per_shard <= 1000000 && floor(var.per_shard) == var.per_shard
    error_message = "per_shard must be a whole number from 1000 to 1000000."
  }
}

locals {
  samples     = var.shards * var.per_shard
  samples_mib = ceil(local.samples * 8 / 1048576)
  # The environment of a stage is only what it declares: PATH to find python3,
  # and no __pycache__ written next to the scripts.
  python_env = { PYTHONDONTWRITEBYTECODE = "1" }
}

# However many shards there are, at most 2 run at once (this host has 2
# cores); the rest wait their turn in the pool, not in a growing process list.
pool "cpu" {
  processes = 2
  memory    = "1GiB"
}

stage "prepare" {
  pool            = pool.cpu
  command         = ["python3", "scripts/prepare.py", local.samples, 7]
  env             = local.python_env
  env_passthrough = ["PATH"]
  memory          = "${local.samples_mib + 48}MiB" # the segment it writes + the interpreter
  timeout         = "5m"

  output "samples" {
    size = local.samples * 8 # bytes
  }
}

# One task per shard: shard[0] .. shard[N-1]. With a list, each.key is the
# index as a string ("0", "1", ...) and each.value the element.
stage "shard" {
  for_each        = range(var.shards)
  pool            = pool.cpu
  command         = ["python3", "scripts/shard.py", each.key, var.shards]
  env             = local.python_env
  env_passthrough = ["PATH"]
  memory          = "48MiB" # flat: mapped input pages are not charged to the reader
  timeout         = "5m"

  input "samples" {
    from = stage.prepare.output.samples
  }

  output "part" {
    size = "1KiB"
  }
}

stage "reduce" {
  pool            = pool.cpu
  command         = ["python3", "scripts/reduce.py"]
  env             = local.python_env
  env_passthrough = ["PATH"]
  memory          = "48MiB"
  timeout         = "1m"

  # All the shards' parts: an edge from every shard task, and
  # $WEIR_INPUT_PARTS holds their paths, one per line.
  input "parts" {
    from = values(stage.shard)[*].output.part
  }

  output "histogram" {
    size    = "64KiB"
    publish = "results/histogram.csv"
  }

  output "stats" {
    size    = "4KiB"
    publish = "results/stats.json"
  }
}
