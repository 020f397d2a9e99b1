stage "num" {
  for_each = 3 # ERROR: Invalid for_each argument
  command  = ["true"]
}
stage "plain" {
  command = ["echo", each.key] # ERROR: each outside for_each
}
stage "pub" {
  for_each = toset(["a", "b"])
  command  = ["true"]
  output "o" {
    publish = "out.bin" # ERROR: Two outputs publish to one path
  }
}
stage "uses" {
  command = ["cat", stage.pub.output.o] # ERROR: Missing instance key
}
