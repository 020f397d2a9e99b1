pool "a" {
  executor = "slrum" # ERROR: Unknown executor
}
pool "b" {
  processes = 0 # ERROR: Number out of range
}
pool "c" {
  cpus = "3-1" # ERROR: Invalid CPU list
}
pool "d" {
  partition = "batch" # ERROR: Slurm setting in a local pool
}
pool "e" { # ERROR: Slurm pool without shm_dir
  executor = "slurm"
}
stage "s" {
  command = ["true"]
  pool    = "a" # ERROR: Invalid pool reference
}
