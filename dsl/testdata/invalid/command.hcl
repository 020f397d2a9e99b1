stage "both" {
  command = ["true"]
  script  = "true" # ERROR: Both command and script
}
stage "neither" { # ERROR: Stage has nothing to run
  memory = "1GiB"
}
stage "empty" {
  command = [] # ERROR: Empty command
}
stage "blank" {
  script = "  " # ERROR: Empty script
}
stage "typed" {
  command = "echo hi" # ERROR: Incorrect attribute value type
}
