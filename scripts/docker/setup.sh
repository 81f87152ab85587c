#!/bin/bash
# The one-shot steps of docker-compose.yml, run in the image (as the user node):
#
#   setup.sh certs   the cluster CA, a certificate for each of the AERO_NODE_ADDRESSES (and
#                    localhost, for a published CQL port) and a client certificate, made once in
#                    /var/lib/aero-setup/certs (the CA key stays there); the CA certificate and
#                    the node certificates are copied to /etc/aero/certs, which the nodes mount.
#   setup.sh roles   once the nodes answer: `aero setup-app` (administrator and flights_app roles,
#                    the flights schema, no default superuser); passwords in
#                    /var/lib/aero-setup/credentials, flights_app's copied to /run/aero/credentials.
#   setup.sh app     the simulator and the map (`aero start --contact-points ...`), logged in as
#                    flights_app with the password /run/aero/credentials/flights_app.
set -euo pipefail

setup=/var/lib/aero-setup
certs=/etc/aero/certs
app_credentials=/run/aero/credentials
: "${AERO_NODE_ADDRESSES:?comma-separated addresses of nodes 1..N}"
: "${AERO_REPLICATION_FACTOR:=3}"

contact_points() {
  local points=() address
  IFS=',' read -r -a addresses <<<"$AERO_NODE_ADDRESSES"
  for address in "${addresses[@]:0:${AERO_CONTACT_NODES:-5}}"; do points+=("$address:9042"); done
  (IFS=','; echo "${points[*]}")
}

case "${1:-}" in
  certs)
    count="$(tr ',' '\n' <<<"$AERO_NODE_ADDRESSES" | grep -c .)"
    aero certs create --dir "$setup/certs" --nodes "$count" --addresses "$AERO_NODE_ADDRESSES" \
      --extra-names localhost,127.0.0.1 --clients client
    cp "$setup/certs/ca.pem" "$setup"/certs/node*.pem "$certs/"
    chmod 0644 "$certs/ca.pem"
    ;;
  roles)
    # aero setup-app is idempotent; a role just made through one node may not be visible through
    # another yet ("flights_app doesn't exist"), so a failed run is retried, bounded.
    for attempt in 1 2 3 4 5; do
      if aero setup-app --dir "$setup" --contact-points "$(contact_points)" --tls-ca "$certs/ca.pem" \
        --replication-factor "$AERO_REPLICATION_FACTOR"; then break; fi
      [[ "$attempt" -lt 5 ]] || exit 1
      echo "setup-app failed (attempt $attempt of 5); retrying in 3 s" >&2
      sleep 3
    done
    cp "$setup/credentials/flights_app" "$app_credentials/flights_app"
    chmod 0600 "$app_credentials/flights_app"
    ;;
  app)
    shift
    AERO_PASSWORD="$(cat "$app_credentials/flights_app")"
    export AERO_PASSWORD
    exec aero start --contact-points "$(contact_points)" --username flights_app --tls-ca "$certs/ca.pem" \
      --replication-factor "$AERO_REPLICATION_FACTOR" --host 0.0.0.0 --port 8080 "$@"
    ;;
  *)
    echo "usage: setup.sh certs|roles|app [aero start options]" >&2
    exit 2
    ;;
esac
