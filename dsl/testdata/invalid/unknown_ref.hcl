variable "rows" {
  default = 10
}
stage "extract" {
  command = ["true", var.row] # ERROR: Reference to undeclared variable
  output "table" {}
}
stage "clean" {
  command = ["cat", stage.extrat.output.table] # ERROR: Reference to undeclared stage
}
stage "load" {
  command = ["cat", stage.extract.output.tabel] # ERROR: Reference to undeclared output
  pool    = pool.cpus # ERROR: Reference to undeclared pool
}
pool "cpu" {}
