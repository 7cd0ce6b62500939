# syntax=docker/dockerfile:1
# flashsale in a container. The entrypoint is the CLI, so the command picks the role:
#   docker build -t flashsale .
#   docker run -p 8080:8080 flashsale            # serve: API + processor + gateway in one process
#   docker run flashsale worker                  # or api, gateway, --help
# `--target lambda` builds the image of the serverless processor (infra, -c processor=function).

# Node.js 24 (LTS until April 2028): the newest major that AWS Lambda runs (nodejs24.x), so the service
# and the function share one Node major and one set of native builds. infra passes the same value.
ARG NODE_VERSION=24

# --- compile TypeScript and pack exactly what the package publishes (package.json "files") ---
FROM node:${NODE_VERSION}-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No scripts: `prepare` would compile before the sources are here, and the build needs no native addon.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/
COPY src src
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp \
  && mkdir /out && tar -xzf /tmp/flashsale-*.tgz -C /out --strip-components=1

# --- production dependencies; better-sqlite3 is a native addon, compiled here if no prebuilt binary fits ---
FROM node:${NODE_VERSION}-trixie-slim AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3

# --- the same dependencies built on the Lambda base image, whose C library differs from Debian's ---
FROM public.ecr.aws/lambda/nodejs:${NODE_VERSION} AS lambda-deps
RUN dnf install -y gcc-c++ make python3 && dnf clean all
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3

# --- serverless processor: dist/serverless/handler.js, export `handler` ---
FROM public.ecr.aws/lambda/nodejs:${NODE_VERSION} AS lambda
COPY --from=lambda-deps /build/node_modules ${LAMBDA_TASK_ROOT}/node_modules
COPY --from=build /out/ ${LAMBDA_TASK_ROOT}/
CMD ["dist/serverless/handler.handler"]

# --- the service image (default target) ---
FROM node:${NODE_VERSION}-trixie-slim AS runtime
# flashsale listens on 127.0.0.1 by default; in a container that is unreachable from outside it,
# so the image binds every interface of its own network namespace, explicitly.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    FLASHSALE_DB=/app/data/flashsale.db
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /out/ ./
# Code stays root-owned and read-only to the service; only the SQLite directory is writable.
RUN mkdir -p data && chown node:node data
USER node
EXPOSE 8080
# Liveness (/health): a process that stopped answering is restarted. Whether it gets traffic is the
# load balancer's readiness check, GET /ready (store, bus or outbox, shutting down), which never restarts it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
