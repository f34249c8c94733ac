# Maintenance: a Cloud Scheduler job publishes a tick on tes-maintenance
# every minute; tes-maintenance then finds lost workers and stalled tasks
# (functions/maintenance/handler.ts).

# A tick, every minute or so, that starts a maintenance pass.
resource "google_pubsub_topic" "maintenance" {
  name = "tes-maintenance"

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "maintenance_dead_letter" {
  name = "tes-maintenance-dead-letter"

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_scheduler_job" "maintenance" {
  region    = var.region
  name      = "tes-maintenance"
  schedule  = "* * * * *"
  time_zone = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.maintenance.id
    # Any non-empty JSON: the Functions Framework skips empty messages.
    data = base64encode("{\"tick\":true}")
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloudfunctions2_function" "maintenance" {
  name     = "tes-maintenance"
  location = var.region

  build_config {
    runtime               = "nodejs20"
    entry_point           = "tes-maintenance"
    environment_variables = { GOOGLE_NODE_RUN_SCRIPTS = "build" }
    service_account       = google_service_account.build.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory      = var.function_memory
    timeout_seconds       = var.event_timeout_seconds
    environment_variables = local.function_environment
    service_account_email = google_service_account.functions.email
    ingress_settings      = "ALLOW_INTERNAL_ONLY"
    # One pass at a time is enough: passes are idempotent.
    max_instance_count = 1
  }

  event_trigger {
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.maintenance.id
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.functions.email
  }

  depends_on = [time_sleep.iam_propagation]
}
