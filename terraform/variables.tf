variable "project_id" {
  description = "The GCP project to deploy into (an empty one is fine)."
  type        = string
}

variable "region" {
  description = "Region of the functions, the source bucket and the topics' triggers."
  type        = string
  default     = "us-central1"
}

variable "firestore_location" {
  description = <<-EOT
    Location of the Firestore database (a region or a multi-region such as
    nam5). Defaults to var.region. The document trigger is created here,
    because Eventarc only sees Firestore events in the database's location.
  EOT
  type        = string
  default     = null
}

variable "zones" {
  description = "Zones tried, in order, for a task that names none (TES_ZONES)."
  type        = list(string)
  default     = ["us-central1-a", "us-central1-b", "us-central1-c"]

  validation {
    condition     = length(var.zones) > 0
    error_message = "At least one zone is needed to place workers."
  }
}

variable "worker_storage_buckets" {
  description = "Buckets that workers read inputs from and write outputs to."
  type        = list(string)
  default     = []
}

variable "task_logs_retention_days" {
  description = "Days the whole stdout and stderr of tasks are kept in the task logs bucket."
  type        = number
  default     = 30
}

variable "function_memory" {
  description = "Memory of each function instance, in Cloud Run units."
  type        = string
  default     = "256Mi"
}

variable "api_timeout_seconds" {
  description = "Request timeout of the HTTP API function."
  type        = number
  default     = 60
}

variable "event_timeout_seconds" {
  description = "Timeout of each event function run (at most 540 for events)."
  type        = number
  default     = 120

  validation {
    condition     = var.event_timeout_seconds > 0 && var.event_timeout_seconds <= 540
    error_message = "Event-triggered functions may run at most 540 seconds."
  }
}

variable "dead_letter_retention" {
  description = "How long a dead-lettered message stays readable."
  type        = string
  default     = "604800s"
}

variable "worker_image" {
  description = <<-EOT
    Container image of the worker, built from this repository. Defaults to
    REGION-docker.pkg.dev/PROJECT/tes/worker:latest, in the repository this
    module creates; pin a tag or digest to control what new VMs run.
  EOT
  type        = string
  default     = null
}

variable "worker_boot_image" {
  description = "Boot image of worker VMs; it must run Docker (Container-Optimized OS does)."
  type        = string
  default     = "projects/cos-cloud/global/images/family/cos-stable"
}

variable "worker_network" {
  description = "VPC network of worker VMs (global/networks/NAME); empty means the project's default network."
  type        = string
  default     = ""
}

variable "worker_subnetwork" {
  description = "Subnetwork of worker VMs (regions/REGION/subnetworks/NAME), needed on custom-mode networks; every zone must then be in its region."
  type        = string
  default     = ""
}

variable "worker_external_ip" {
  description = <<-EOT
    Whether worker VMs get an ephemeral external IP. Without one, the
    subnetwork needs Private Google Access (and Cloud NAT for images or
    inputs outside Google).
  EOT
  type        = bool
  default     = true
}
