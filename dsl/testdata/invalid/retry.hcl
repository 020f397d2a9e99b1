stage "s" {
  command = ["true"]
  retry {
    attempts      = 0 # ERROR: Number out of range
    on            = ["oom", "timout"] # ERROR: Unknown retry reason
    memory_growth = 0.5 # ERROR: Invalid memory_growth
  }
}
stage "t" {
  command = ["true"]
  retry {
    on = ["exit:256", "exit:3"] # ERROR: Unknown retry reason
  }
}
