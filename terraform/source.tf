# The functions' source: the whole repository, zipped and uploaded once.
# Cloud Build runs `npm ci` and then `npm run build` (tsc) on it, and every
# function starts dist/functions/index.js (package.json "main").
data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/.."
  output_path = "${path.root}/.terraform/tes-source.zip"

  # Local artefacts and this module are not part of the deployed code.
  excludes = [
    ".git",
    ".tes-local",
    "dist",
    "node_modules",
    "terraform",
  ]
}

resource "google_storage_bucket" "source" {
  name     = "${var.project_id}-tes-source"
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # It only ever holds build inputs, which the archive recreates.
  force_destroy = true

  depends_on = [google_project_service.enabled]
}

# Named by content, so a change to the code redeploys every function and
# an unchanged tree deploys nothing.
resource "google_storage_bucket_object" "source" {
  name   = "source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}
