# One task fails at once with a message on stderr while another runs on:
# the live view shows the failure and its log while the run goes on.
workflow "fail" {
  shm_dir = "shm" # beside the file: a test leaves nothing in /dev/shm
}

stage "slow" {
  command         = ["sleep", "4"]
  memory          = "64MiB"
  env_passthrough = ["PATH"]
}

stage "bad" {
  command         = ["sh", "-c", "echo 'reading input.csv'; echo 'disk full, giving up' >&2; exit 3"]
  memory          = "64MiB"
  env_passthrough = ["PATH"]
}
