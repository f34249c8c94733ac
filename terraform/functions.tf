# One block per function of the manifest (shared/topology.ts), each with
# its literal name: the entry point is that same name, under which
# functions/index.ts registers the handler. All share one source archive;
# `npm run build` runs during the build because of GOOGLE_NODE_RUN_SCRIPTS.

# Serves the TES v1.1 API; the only function reachable from outside.
resource "google_cloudfunctions2_function" "api" {
  name     = "tes-api"
  location = var.region

  build_config {
    runtime               = "nodejs20"
    entry_point           = "tes-api"
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
    timeout_seconds       = var.api_timeout_seconds
    environment_variables = local.function_environment
    service_account_email = google_service_account.functions.email
    ingress_settings      = "ALLOW_ALL"
  }

  depends_on = [time_sleep.iam_propagation]
}

# Reacts to every write of a task document.
resource "google_cloudfunctions2_function" "state_transition" {
  name     = "tes-state-transition"
  location = var.region

  build_config {
    runtime               = "nodejs20"
    entry_point           = "tes-state-transition"
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
    # Eventarc deliveries count as internal traffic.
    ingress_settings = "ALLOW_INTERNAL_ONLY"
  }

  event_trigger {
    trigger_region        = local.firestore_location
    event_type            = "google.cloud.firestore.document.v1.written"
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.functions.email

    event_filters {
      attribute = "database"
      value     = "(default)"
    }
    event_filters {
      attribute = "document"
      operator  = "match-path-pattern"
      value     = "tasks/{taskId}"
    }
  }

  depends_on = [time_sleep.iam_propagation, google_firestore_database.default]
}

# Admits a queued task and asks for a launch.
resource "google_cloudfunctions2_function" "assignment" {
  name     = "tes-assignment"
  location = var.region

  build_config {
    runtime               = "nodejs20"
    entry_point           = "tes-assignment"
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
  }

  event_trigger {
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.task_assign.id
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.functions.email
  }

  depends_on = [time_sleep.iam_propagation]
}

# Starts and stops the worker VM of a task attempt.
resource "google_cloudfunctions2_function" "worker_launch" {
  name     = "tes-worker-launch"
  location = var.region

  build_config {
    runtime               = "nodejs20"
    entry_point           = "tes-worker-launch"
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
  }

  event_trigger {
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.worker_control.id
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.functions.email
  }

  depends_on = [time_sleep.iam_propagation]
}

# Applies worker events to the task document.
resource "google_cloudfunctions2_function" "event_ingestion" {
  name     = "tes-event-ingestion"
  location = var.region

  build_config {
    runtime               = "nodejs20"
    entry_point           = "tes-event-ingestion"
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
  }

  event_trigger {
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.worker_events.id
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.functions.email
  }

  depends_on = [time_sleep.iam_propagation]
}

# The API is public: 2nd gen functions are Cloud Run services, so anyone
# may invoke it once allUsers holds run.invoker on that service. Callers
# are told apart inside the API (functions/api/identity.ts), not here.
# An organisation policy restricting allowed members blocks this grant.
resource "google_cloud_run_v2_service_iam_member" "api_public" {
  location = var.region
  name     = google_cloudfunctions2_function.api.service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}
