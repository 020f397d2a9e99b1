stage "a" {
  command = ["true"]
  output "x" {}
  output "x" {} # ERROR: Duplicate output
}
stage "a" { # ERROR: Duplicate stage
  command = ["true"]
}
pool "p" {}
pool "p" {} # ERROR: Duplicate pool
variable "v" { default = 1 }
variable "v" { default = 2 } # ERROR: Duplicate variable
