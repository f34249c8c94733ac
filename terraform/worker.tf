# Where the worker's container image lives, and what the worker VMs may
# read from it. tes-worker-launch starts one VM per task attempt from
# Container-Optimized OS; its startup script pulls this image and runs the
# worker (functions/worker-launch/worker-scripts.ts).
resource "google_artifact_registry_repository" "worker" {
  location      = var.region
  repository_id = "tes"
  format        = "DOCKER"
  description   = "Container images of the TES worker."

  depends_on = [google_project_service.enabled]
}

# Worker VMs pull the image as the worker account.
resource "google_artifact_registry_repository_iam_member" "worker_pull" {
  location   = google_artifact_registry_repository.worker.location
  repository = google_artifact_registry_repository.worker.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.worker.email}"
}

locals {
  default_worker_image = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.worker.repository_id}/worker:latest"
  worker_image         = coalesce(var.worker_image, local.default_worker_image)
}
