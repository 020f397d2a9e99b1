# Eight short tasks, two at a time: the live view's bar advances in steps.
workflow "steps" {
  shm_dir = "shm" # beside the file: a test leaves nothing in /dev/shm
}

variable "seconds" {
  type    = number
  default = 0.6
}

pool "work" {
  processes = 2
  memory    = "256MiB"
}

stage "step" {
  for_each        = range(8)
  pool            = pool.work
  command         = ["sleep", tostring(var.seconds)]
  memory          = "64MiB"
  env_passthrough = ["PATH"]
}
