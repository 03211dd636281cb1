# syntax=docker/dockerfile:1
# Ledgerline's image: built with the dev dependencies, run with the production ones and dist/
# only, as a non-root user. `docker build -t ledgerline .`; the whole stack: compose.yaml.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The lockfile first: the dependency layer is rebuilt only when the dependencies change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY libs ./libs
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# Production by default: the app refuses to start on the local development issuer, so a real
# deployment sets AUTH_JWKS_URL and AUTH_ISSUER (compose.yaml overrides NODE_ENV for its demo).
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Writable by the app user: .data for the embedded database and the local issuer's key when
# nothing else is configured; /var/lib/ledgerline for a volume that instances share (a key
# file every instance signs and verifies with).
RUN mkdir -p /app/.data /var/lib/ledgerline && chown node:node /app/.data /var/lib/ledgerline
USER node
EXPOSE 3000
# Liveness only: a database outage must not get the container restarted (readiness is for
# load balancers). Generous start period: migrations run, and the database is waited for,
# before the server listens.
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
  CMD ["node", "-e", "require('node:http').get('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# node itself is PID 1 (not npm, which would also build first): SIGTERM from `docker stop`
# reaches the app, which drains (SHUTDOWN_GRACE_MS) and exits 0.
CMD ["node", "dist/src/main.js"]
