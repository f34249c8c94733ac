# The worker's container image: what each Compute Engine VM runs (see the
# startup script in functions/worker-launch/worker-scripts.ts, which runs
# `node dist/worker/main.js --task ID --attempt N` in it).
# Build and push: gcloud builds submit --tag "$(terraform -chdir=terraform output -raw worker_image)" .
FROM node:20-bookworm-slim

# bubblewrap sandboxes the executors inside the worker's container.
RUN apt-get update \
  && apt-get install -y --no-install-recommends bubblewrap ca-certificates \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev

ENV TES_MODE=gcp
CMD ["node", "dist/worker/main.js"]
