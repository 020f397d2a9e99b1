stage "a" {
  command = ["true"]
  retries { # ERROR: Unsupported block type
    attempts = 2
  }
  memroy = "1GiB" # ERROR: Unsupported argument
}
task "b" { # ERROR: Unsupported block type
}
