# The workflow of the browser tests: a fan-out whose keys include a
# <script> tag (it must show as text), a stage that waits for the test to
# create $gate, and a stage that then fails with a log line that is markup.

workflow "e2e" {
  shm_dir = "shm" # beside the file: the failing run leaves nothing in /dev/shm
}

variable "gate" {
  type = string
}

stage "prepare" {
  env_passthrough = ["PATH"]
  memory          = "32MiB"
  script          = <<-EOT
    echo preparing
    printf 'some data' > "$WEIR_OUTPUT_DATA"
  EOT
  output "data" {}
}

stage "fan" {
  for_each        = toset(["a", "b", "<script>window.pwned=1</script>"])
  env_passthrough = ["PATH"]
  memory          = "32MiB"
  script          = <<-EOT
    cat "$WEIR_INPUT_DATA" > /dev/null
    echo "fan ${each.key}"
  EOT
  input "data" {
    from = stage.prepare.output.data
  }
}

stage "wait" {
  env_passthrough = ["PATH"]
  depends_on      = [stage.fan]
  script          = <<-EOT
    echo waiting for the gate
    while [ ! -e "${var.gate}" ]; do sleep 0.05; done
  EOT
}

stage "broken" {
  env_passthrough = ["PATH"]
  depends_on      = [stage.wait]
  script          = <<-EOT
    echo 'about to fail <script>window.pwned=2</script>' >&2
    exit 3
  EOT
}

stage "after" {
  depends_on = [stage.broken]
  command    = ["/bin/true"]
}
