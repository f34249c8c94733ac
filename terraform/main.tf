# Names and settings shared by the other files. The maps are keyed by the
# names in shared/topology.ts (the manifest); test/unit/terraform.test.ts
# fails when they, or the resources they point at, drift from it.
locals {
  # Every topic of the manifest.
  topics = {
    "tes-task-assign"    = google_pubsub_topic.task_assign
    "tes-worker-control" = google_pubsub_topic.worker_control
    "tes-worker-events"  = google_pubsub_topic.worker_events
    "tes-maintenance"    = google_pubsub_topic.maintenance
  }

  # One dead-letter topic per topic that push-triggers a function.
  dead_letter_topics = {
    "tes-task-assign"    = google_pubsub_topic.task_assign_dead_letter
    "tes-worker-control" = google_pubsub_topic.worker_control_dead_letter
    "tes-worker-events"  = google_pubsub_topic.worker_events_dead_letter
    "tes-maintenance"    = google_pubsub_topic.maintenance_dead_letter
  }

  # Every function of the manifest.
  functions = {
    "tes-api"              = google_cloudfunctions2_function.api
    "tes-state-transition" = google_cloudfunctions2_function.state_transition
    "tes-assignment"       = google_cloudfunctions2_function.assignment
    "tes-worker-launch"    = google_cloudfunctions2_function.worker_launch
    "tes-event-ingestion"  = google_cloudfunctions2_function.event_ingestion
    "tes-maintenance"      = google_cloudfunctions2_function.maintenance
  }

  # The functions that Eventarc invokes: everything but the public API.
  event_functions = {
    for name, fn in local.functions : name => fn if name != "tes-api"
  }

  # Read once at start by shared/config.ts; the TES_WORKER_* settings are
  # how tes-worker-launch builds worker VMs (functions/worker-launch/).
  # LOG_EXECUTION_ID makes the Functions Framework add each invocation's
  # execution id to the labels of every log line.
  function_environment = {
    TES_MODE                   = "gcp"
    TES_PROJECT                = var.project_id
    TES_ZONES                  = join(",", var.zones)
    TES_WORKER_SERVICE_ACCOUNT = google_service_account.worker.email
    TES_WORKER_IMAGE           = local.worker_image
    TES_WORKER_BOOT_IMAGE      = var.worker_boot_image
    TES_WORKER_NETWORK         = var.worker_network
    TES_WORKER_SUBNETWORK      = var.worker_subnetwork
    TES_WORKER_EXTERNAL_IP     = tostring(var.worker_external_ip)
    TES_LOGS_URL               = "gs://${google_storage_bucket.task_logs.name}/logs"
    LOG_EXECUTION_ID           = "true"
  }

  # Eventarc only sees Firestore events in the database's own location.
  firestore_location = coalesce(var.firestore_location, var.region)
}

data "google_project" "this" {
  project_id = var.project_id

  depends_on = [google_project_service.enabled]
}
