# The task store: one native-mode database, one document per task in the
# collection `tasks` (TASKS_COLLECTION in the manifest).
resource "google_firestore_database" "default" {
  project     = var.project_id
  name        = "(default)"
  location_id = local.firestore_location
  type        = "FIRESTORE_NATIVE"

  # Tasks are user data: a destroy leaves the database in place.
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  deletion_policy         = "ABANDON"

  depends_on = [google_project_service.enabled]
}

# The composite indexes come from firestore.indexes.json, the one list the
# Firebase tooling reads too: equality on owner (and state), newest first,
# id as the tie-breaker of the page token.
#
# Name prefixes and tags are found through the `terms` array
# (functions/api/search-terms.ts), so no index depends on a tag key.
locals {
  firestore_indexes = jsondecode(file("${path.module}/../firestore.indexes.json")).indexes
}

resource "google_firestore_index" "tasks" {
  for_each = { for i, index in local.firestore_indexes : tostring(i) => index }

  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = each.value.collectionGroup

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = try(fields.value.order, null)
      array_config = try(fields.value.arrayConfig, null)
    }
  }
}
