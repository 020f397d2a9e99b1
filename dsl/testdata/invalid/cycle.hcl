stage "a" {
  command = ["cat", stage.c.output.x] # ERROR: Dependency cycle
  output "x" {}
}
stage "b" {
  command    = ["true"]
  depends_on = [stage.a]
  output "x" {}
}
stage "c" {
  command = ["cat", stage.b.output.x]
  output "x" {}
}
