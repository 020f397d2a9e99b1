# etl.hcl: extract -> transform -> load, in Python (standard library only).
#
#   extract --orders--> transform --clean--> load --> results/daily_revenue.csv
#      |                                      ^    +-> results/summary.json
#      +-------------------orders-------------+
#
# Orders travel between stages as fixed-size binary records in shared-memory
# segments (layouts in scripts/records.py): each consumer maps them read-only,
# so no stage copies, pickles or re-parses what the previous one produced.
#
#   weir validate workflows/etl/etl.hcl
#   weir plan     workflows/etl/etl.hcl --var rows=2000000
#   weir plan     workflows/etl/etl.hcl --var source=data/orders_sample.csv

workflow "etl" {
  description = "Daily revenue per store from raw orders."
}

variable "rows" {
  type        = number
  default     = 200000
  description = "Orders to generate, or the most to read from var.source."

  validation {
    condition     = var.rows >= 1 && var.rows <= 10000000 && floor(var.rows) == var.rows
    error_message = "rows must be a whole number from 1 to 10000000."
  }
}

variable "source" {
  type        = string
  default     = ""
  description = "CSV of orders, relative to this file; empty = generate var.rows orders."

  validation {
    condition     = var.source == "" || fileexists(var.source)
    error_message = "source must name an existing file (relative to workflows/etl/), or be empty."
  }
}

variable "seed" {
  type    = number
  default = 42
}

locals {
  # Records have a fixed size, so each segment's size follows from var.rows.
  orders_mib = ceil(var.rows * 24 / 1048576)
  clean_mib  = ceil(var.rows * 28 / 1048576)

  # Stages see no environment but what they declare. PATH finds python3; the
  # two PYTHON* settings keep __pycache__ out of scripts/ and logs unbuffered.
  python_env = { PYTHONDONTWRITEBYTECODE = "1", PYTHONUNBUFFERED = "1" }
}

# Two Python processes at a time, and at most 1 GiB of caps between them:
# a third would wait instead of pushing the host into the OOM killer.
pool "python" {
  processes = 2
  memory    = "1GiB"
}

stage "extract" {
  description     = "Read or generate orders into 24-byte records."
  pool            = pool.python
  command         = ["python3", "scripts/extract.py", "--rows", var.rows, "--seed", var.seed, "--source", var.source]
  env             = local.python_env
  env_passthrough = ["PATH"]
  # What a stage writes to /dev/shm counts against its own cap: the segment
  # plus room for the interpreter.
  memory  = "${local.orders_mib + 48}MiB"
  timeout = "10m"

  # Killed past its cap? Try once more with 1.5x the memory. Any other failure
  # (a bad CSV row, a bug) fails at once: retrying would only repeat it.
  retry {
    attempts      = 2
    on            = ["oom"]
    memory_growth = 1.5
  }

  output "orders" {
    size = var.rows * 24 # bytes
  }
}

stage "transform" {
  description     = "Drop cancelled and unpriced orders; add day and revenue."
  pool            = pool.python
  command         = ["python3", "scripts/transform.py"]
  env             = local.python_env
  env_passthrough = ["PATH"]
  memory          = "${local.clean_mib + 48}MiB" # the input is mapped, not charged
  timeout         = "10m"

  retry {
    attempts      = 2
    on            = ["oom"]
    memory_growth = 1.5
  }

  input "orders" {
    from = stage.extract.output.orders
  }

  output "clean" {
    size = var.rows * 28
  }
}

stage "load" {
  description     = "Aggregate per day and store; summarise."
  pool            = pool.python
  command         = ["python3", "scripts/load.py"]
  env             = local.python_env
  env_passthrough = ["PATH"]
  memory          = "64MiB"
  timeout         = "5m"

  retry {
    attempts      = 2
    on            = ["oom"]
    memory_growth = 2
  }

  input "clean" {
    from = stage.transform.output.clean
  }

  # A second consumer of the same segment: it stays in shm until both
  # transform and load have succeeded.
  input "orders" {
    from = stage.extract.output.orders
  }

  # Published outputs are copied to results/ (next to this file) atomically
  # when the whole run succeeds, never half-written.
  output "daily" {
    size    = "8MiB"
    publish = "results/daily_revenue.csv"
  }

  output "summary" {
    size    = "64KiB"
    publish = "results/summary.json"
  }
}
