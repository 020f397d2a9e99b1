locals {
  a = local.b # ERROR: Cycle in local values
  b = local.a
  c = stage.x # ERROR: Reference not allowed here
}
stage "x" {
  command = ["true"]
}
