# The APIs an empty project needs before anything else can be created.
locals {
  apis = [
    "artifactregistry.googleapis.com", # images built from the source
    "cloudbuild.googleapis.com",       # builds the functions
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com", # project IAM bindings
    "cloudscheduler.googleapis.com",       # the maintenance tick
    "compute.googleapis.com",              # worker VMs
    "eventarc.googleapis.com",             # topic and document triggers
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com", # 2nd gen functions run as Cloud Run services
    "storage.googleapis.com",
  ]
}

resource "google_project_service" "enabled" {
  for_each = toset(local.apis)

  project = var.project_id
  service = each.value

  # Other workloads in the project may rely on these APIs too.
  disable_on_destroy = false
}
