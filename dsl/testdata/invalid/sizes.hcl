pool "small" {
  memory = "1GiB"
}
stage "big" {
  pool    = pool.small
  command = ["true"]
  memory  = "2GiB" # ERROR: Memory cap larger than its pool
}
stage "huge" {
  command = ["true"]
  memory  = "4TiB" # ERROR: Memory cap larger than this host
}
stage "neg" {
  command = ["true"]
  memory  = "-1GiB" # ERROR: Invalid size
}
stage "unit" {
  command = ["true"]
  memory  = "12 gigs" # ERROR: Invalid size
}
stage "time" {
  command = ["true"]
  timeout = "5 minutes" # ERROR: Invalid duration
}
stage "zero" {
  command = ["true"]
  timeout = "0s" # ERROR: Invalid duration
}
stage "records" {
  command = ["true"]
  output "rows" {
    size     = "10MiB"
    min_size = "12MiB" # ERROR: Output min_size larger than its size
  }
  output "tail" {
    min_size = "ten" # ERROR: Invalid size
  }
}
