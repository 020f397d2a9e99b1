stage "s" {
  command = ["cat", stage.s.output.o] # ERROR: Stage refers to itself
  output "o" {}
}
stage "t" {
  command    = ["true"]
  depends_on = [stage.nope] # ERROR: Reference to undeclared stage
}
