stage "s" {
  command = ["true"]
  env = {
    WEIR_RUN_ID = "x" # ERROR: Invalid environment variable name
  }
}
stage "t" {
  command         = ["true"]
  env_passthrough = ["PATH", "1BAD"] # ERROR: Invalid environment variable name
}
