# Where every task's whole stdout and stderr go: each attempt's executors
# write TASK_ID/ATTEMPT/executor-N.stdout and .stderr under logs/, and the
# task log's metadata names them. A task's logs_url backend parameter
# sends its own elsewhere.
resource "google_storage_bucket" "task_logs" {
  name     = "${var.project_id}-tes-task-logs"
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  lifecycle_rule {
    condition {
      age = var.task_logs_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

# Workers write logs; they never need to read or replace them.
resource "google_storage_bucket_iam_member" "worker_task_logs" {
  bucket = google_storage_bucket.task_logs.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.worker.email}"
}
