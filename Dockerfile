# The worker's container image: what each Compute Engine VM runs (see the
# startup script in functions/worker-launch/worker-scripts.ts, which runs
# `node dist/worker/main.js --task ID --attempt N` in it).
# Build and push: gcloud builds submit --tag "$(terraform -chdir=terraform output -raw worker_image)" .
FROM node:20-bookworm-slim

# The Docker client runs each executor in its image, through the VM's
# Docker socket (TES_CONTAINER_DRIVER=docker, the default on Google Cloud).
RUN apt-get update \
  && apt-get install -y --no-install-recommends docker.io ca-certificates \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev

ENV TES_MODE=gcp
CMD ["node", "dist/worker/main.js"]
