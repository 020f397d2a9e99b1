# retry.hcl: three stages that fail, on purpose, and recover.
#
#   fetch  (exit 3 twice)        --+
#   hungry (over its memory cap) --+--> summary
#   slow   (hangs once)          --+
#
# Each failure has a reason (exit, signal, oom, timeout, lost, output_missing)
# and a retry block says which reasons are worth another attempt. Every attempt
# is recorded with its reason, exit code or signal, peak memory and log.
# The whole run takes a few seconds.
#
#   weir validate workflows/retry/retry.hcl
#   weir plan     workflows/retry/retry.hcl --var fetch_failures=9   # fetch gives up

variable "fetch_failures" {
  type        = number
  default     = 2
  description = "How many attempts of fetch fail before one succeeds."

  validation {
    condition     = var.fetch_failures >= 0 && floor(var.fetch_failures) == var.fetch_failures
    error_message = "fetch_failures must be a whole number, 0 or more."
  }
}

# No pool block: every stage goes to the implicit pool "default", one process
# per CPU. A stage's environment is only what it declares (PATH here) plus the
# WEIR_* variables, among them WEIR_ATTEMPT: 1, 2, ...

# 1. A transient error, by exit code. Here exit 3 means "upstream unavailable,
#    try later"; any other non-zero exit (a bug, bad input) fails at once,
#    because a retry would only repeat it.
stage "fetch" {
  env_passthrough = ["PATH"]
  memory          = "32MiB"
  timeout         = "30s"

  script = <<-EOT
    if [ "$WEIR_ATTEMPT" -le ${var.fetch_failures} ]; then
      echo "attempt $WEIR_ATTEMPT: upstream answered 503" >&2
      exit 3
    fi
    echo "fetched on attempt $WEIR_ATTEMPT" | tee "$WEIR_OUTPUT_DATA"
  EOT

  retry {
    attempts = 4    # tries in all, the first included
    backoff  = "1s" # wait 1s before the 2nd try, 2s before the 3rd, 4s before the 4th
    on       = ["exit:3"]
  }

  output "data" {
    size = "4KiB"
  }
}

# 2. Over the memory cap. It needs about 110 MiB and is given 64 MiB: the kernel
#    kills it (reason "oom", recorded, never a silent "Killed"), and the next
#    attempt gets 64 MiB x 2 = 128 MiB, which is enough.
stage "hungry" {
  env_passthrough = ["PATH"]
  memory          = "64MiB"
  timeout         = "1m"

  command = ["python3", "-c", <<-EOT
    import os, time
    block = bytearray(b"x") * (100 << 20)  # fills every page, unlike bytearray(n)
    time.sleep(1)                          # hold it, as real work would
    print(f"attempt {os.environ['WEIR_ATTEMPT']}: held {len(block) >> 20} MiB")
  EOT
  ]

  retry {
    attempts      = 2
    on            = ["oom"]
    memory_growth = 2
  }
}

# 3. A hang. Past its timeout the stage's whole process group gets SIGTERM
#    (sleep included, so nothing is left behind), then SIGKILL after the grace
#    period if it is still there. The failure is a "timeout", retried once.
stage "slow" {
  env_passthrough = ["PATH"]
  memory          = "32MiB"
  timeout         = "3s"
  grace           = "2s"

  script = <<-EOT
    trap 'echo "attempt $WEIR_ATTEMPT: SIGTERM, cleaning up" >&2; exit 143' TERM
    if [ "$WEIR_ATTEMPT" -eq 1 ]; then
      echo "attempt 1: waiting for a lock that is never released"
      sleep 60
    fi
    echo "attempt $WEIR_ATTEMPT: done"
  EOT

  retry {
    attempts = 2
    on       = ["timeout"]
  }
}

stage "summary" {
  env_passthrough = ["PATH"]
  memory          = "16MiB"
  timeout         = "10s"

  # The input makes the edge from fetch; hungry and slow produce no segment,
  # so depends_on orders summary after them.
  depends_on = [stage.hungry, stage.slow]

  script = <<-EOT
    echo "all recovered; fetch says: $(cat "$WEIR_INPUT_DATA")"
  EOT

  input "data" {
    from = stage.fetch.output.data
  }
}
