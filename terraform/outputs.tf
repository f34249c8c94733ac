output "api_url" {
  description = "Base URL of the TES v1.1 API."
  value       = "${google_cloudfunctions2_function.api.service_config[0].uri}/ga4gh/tes/v1"
}

output "function_service_account" {
  description = "Identity of every function."
  value       = google_service_account.functions.email
}

output "worker_service_account" {
  description = "Identity the worker VMs must run as."
  value       = google_service_account.worker.email
}

output "event_triggers" {
  description = "Eventarc trigger of each event function, by manifest name."
  value = {
    for name, fn in local.event_functions : name => fn.event_trigger[0].trigger
  }
}

output "dead_letter_topics" {
  description = "Dead-letter topic of each triggering topic, by manifest name."
  value       = { for name, topic in local.dead_letter_topics : name => topic.id }
}

output "worker_image" {
  description = "Image the worker VMs run: build and push it before the first task."
  value       = local.worker_image
}

output "task_logs_url" {
  description = "Where tasks' whole stdout and stderr are stored by default."
  value       = "gs://${google_storage_bucket.task_logs.name}/logs"
}
