# Three identities, each with only what its code calls:
# - tes-functions runs every function and is the identity Eventarc uses to
#   invoke the event functions;
# - tes-worker runs on the worker VMs;
# - tes-build builds the functions (instead of a default account whose
#   roles depend on the project's age and organisation policy).

resource "google_service_account" "functions" {
  account_id   = "tes-functions"
  display_name = "TES functions"

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "worker" {
  account_id   = "tes-worker"
  display_name = "TES worker VMs"

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "build" {
  account_id   = "tes-build"
  display_name = "TES function builds"

  depends_on = [google_project_service.enabled]
}

# Functions: task documents, VMs, logs, and receiving Eventarc events.
resource "google_project_iam_member" "functions" {
  for_each = toset([
    "roles/datastore.user",
    "roles/compute.instanceAdmin.v1",
    "roles/logging.logWriter",
    "roles/eventarc.eventReceiver",
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.functions.email}"
}

# Functions publish to the manifest's topics, and to nothing else.
resource "google_pubsub_topic_iam_member" "functions_publisher" {
  for_each = local.topics

  topic  = each.value.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.functions.email}"
}

# Eventarc invokes each event function's Cloud Run service as this
# account; the grant is per service rather than project-wide.
resource "google_cloud_run_v2_service_iam_member" "functions_invoker" {
  for_each = local.event_functions

  location = var.region
  name     = each.value.service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.functions.email}"
}

# tes-worker-launch creates VMs that run as the worker account, which
# needs actAs on that one account only.
resource "google_service_account_iam_member" "functions_act_as_worker" {
  service_account_id = google_service_account.worker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.functions.email}"
}

# Workers read their task, report events and write logs.
resource "google_project_iam_member" "worker" {
  for_each = toset([
    "roles/datastore.viewer",
    "roles/logging.logWriter",
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.worker.email}"
}

# Workers publish only what they report (worker/reporter.ts).
resource "google_pubsub_topic_iam_member" "worker_publisher" {
  topic  = google_pubsub_topic.worker_events.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.worker.email}"
}

# Workers stage task inputs and outputs in the buckets they are given.
resource "google_storage_bucket_iam_member" "worker_storage" {
  for_each = toset(var.worker_storage_buckets)

  bucket = each.value
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.worker.email}"
}

# Builds read the source, push the image and write build logs.
resource "google_project_iam_member" "build" {
  project = var.project_id
  role    = "roles/cloudbuild.builds.builder"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# New grants and new service agents take a while to be honoured; without
# this pause the first apply to an empty project fails its first builds.
resource "time_sleep" "iam_propagation" {
  create_duration = "60s"

  depends_on = [
    google_project_service.enabled,
    google_project_iam_member.build,
    google_project_iam_member.functions,
    google_service_account_iam_member.functions_act_as_worker,
  ]
}
