stage "a" {
  command = ["echo" "hi"] # ERROR: Missing item separator
}
