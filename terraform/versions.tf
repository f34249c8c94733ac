# Providers this module needs. The google provider is pinned to major 6
# because the Cloud Functions 2nd gen and Firestore resources below use
# its schema; archive builds the source zip; time waits out IAM delays.
terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.12"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
