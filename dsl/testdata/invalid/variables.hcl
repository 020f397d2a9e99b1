variable "needed" { # ERROR: No value for required variable
  type = string
}
variable "rows" {
  type    = number
  default = -5 # ERROR: Invalid value for variable
  validation {
    condition     = var.rows > 0
    error_message = "rows must be positive."
  }
}
variable "n" {
  type    = number
  default = "many" # ERROR: Invalid value for variable
}
stage "a" {
  command = ["true"]
}
variable "f" {
  default = upper(var.n) # ERROR: Reference not allowed here
}
variable "g" {
  default = upper("ok")
}
