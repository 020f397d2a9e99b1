stage "a" {
  command = ["true"]
  output "bad/name" {} # ERROR: Invalid output name
  output "../up" {} # ERROR: Invalid output name
  output "ok" {}
}
stage "b" {
  command = ["true"]
  input "x" {
    from = "/etc/passwd" # ERROR: Input not from a stage output
  }
}
stage "c" {
  command = ["true"]
  output "y" {}
  input "z" {
    from = self.output.y # ERROR: Input from the same stage
  }
}
