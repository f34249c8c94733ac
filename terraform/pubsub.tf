# The manifest's topics, with their literal names so that a reader (and the
# unit test) can match them to shared/topology.ts at a glance.

# New or re-queued tasks waiting for a machine.
resource "google_pubsub_topic" "task_assign" {
  name = "tes-task-assign"

  depends_on = [google_project_service.enabled]
}

# Launch and teardown commands for workers.
resource "google_pubsub_topic" "worker_control" {
  name = "tes-worker-control"

  depends_on = [google_project_service.enabled]
}

# Everything workers (and the compute driver) report.
resource "google_pubsub_topic" "worker_events" {
  name = "tes-worker-events"

  depends_on = [google_project_service.enabled]
}

# Dead-letter topics: one per topic whose subscription pushes to a
# function, so that a message that keeps failing ends up somewhere an
# operator can read it instead of being retried until it expires.
#
# Limitation: the push subscriptions belong to the functions' Eventarc
# triggers, which the google provider does not let us configure, so the
# dead-letter policy is attached after apply with the command in
# terraform/README.md.

resource "google_pubsub_topic" "task_assign_dead_letter" {
  name = "tes-task-assign-dead-letter"

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "worker_control_dead_letter" {
  name = "tes-worker-control-dead-letter"

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "worker_events_dead_letter" {
  name = "tes-worker-events-dead-letter"

  depends_on = [google_project_service.enabled]
}

# A message published to a topic without subscriptions is lost: each
# dead-letter topic keeps its messages in a pull subscription.
resource "google_pubsub_subscription" "dead_letter" {
  for_each = local.dead_letter_topics

  name                       = "${each.value.name}-inspect"
  topic                      = each.value.id
  message_retention_duration = var.dead_letter_retention
  ack_deadline_seconds       = 60

  # Never expire, however long nobody reads it.
  expiration_policy {
    ttl = ""
  }
}

# Pub/Sub itself forwards dead letters, as its service agent.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.dead_letter_topics

  topic  = each.value.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${local.pubsub_agent}"
}

# The agent must also acknowledge the forwarded message on the source
# subscription. Eventarc creates and names those subscriptions, so
# Terraform cannot address them one by one; the grant is project-wide, to
# a Google-managed identity.
resource "google_project_iam_member" "pubsub_agent_subscriber" {
  project = var.project_id
  role    = "roles/pubsub.subscriber"
  member  = "serviceAccount:${local.pubsub_agent}"
}

locals {
  pubsub_agent = "service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}
