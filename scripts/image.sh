#!/usr/bin/env bash
# Builds the exporter's container image (the Dockerfile) without a Docker daemon, with
# Debian 12's buildah: vfs storage and chroot isolation, so it works as root in a plain
# chroot or CI machine with no overlayfs, no runc and no daemon.
#
#   scripts/image.sh [build] [--build-dir DIR | --from-source] [--tag NAME]
#       Builds NAME (default localhost/graflowctl:<version>) and prints it on stdout.
#       Default: a Release build of this tree on the host (cmake --preset release, into
#       build/release), `cmake --install`ed into a context directory that the Dockerfile's
#       `prebuilt` target copies into the slim runtime stage. The host must be Debian 12,
#       like the image, so the binary finds the same libraries (checked with ldd inside the
#       image after the build).
#       --build-dir DIR  install an existing (configured) build tree instead, e.g. build/dev
#                        (not a sanitizer build: the image has no libasan)
#       --from-source    the whole Dockerfile, compiling inside the build stage (what
#                        `docker build .` does; ~10+ minutes on 2 cores)
#   scripts/image.sh run [-v SRC:DST[:ro]]... [--] [ARGS...]
#       Runs the image's ENTRYPOINT with ARGS (the image's CMD without any) as the image's
#       USER, on the host's network; SIGTERM/SIGINT are passed on. Exits with its status.
#   scripts/image.sh buildah ARGS...
#       Runs buildah with this script's storage options (e.g. `images`, `rmi`).
#
# Base images: debian:12 and debian:12-slim are used from the storage if present, pulled
# if a registry answers, and otherwise made here with debootstrap from the host's own Debian
# mirror (/etc/apt/sources.list*), once: later builds reuse them.
#
# Environment: GRAFLOW_IMAGE_STORE (storage root; default /var/lib/containers/graflowctl
# for root, ~/.local/share/graflowctl/containers otherwise), GRAFLOW_DEBIAN_MIRROR (the
# mirror for debootstrap; default: the host's), GRAFLOW_IMAGE_PULL=0 (never try a registry).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
die() {
  echo "image.sh: error: $*" >&2
  exit 1
}
log() { echo "image.sh: $*" >&2; }

if [ "$(id -u)" -eq 0 ]; then
  store=${GRAFLOW_IMAGE_STORE:-/var/lib/containers/graflowctl}
  runroot=/run/containers/graflowctl
else
  store=${GRAFLOW_IMAGE_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/graflowctl/containers}
  runroot=${XDG_RUNTIME_DIR:-/tmp}/graflowctl-containers-$(id -u)
fi
command -v buildah >/dev/null || die "buildah is not installed (apt-get install buildah, or scripts/install-deps.sh --test)"
bh_cmd=(buildah --root "$store" --runroot "$runroot" --storage-driver vfs)
bh() { "${bh_cmd[@]}" "$@"; }

version=$(sed -n 's/^project(graflowctl VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
image=localhost/graflowctl:$version

have_image() { bh inspect --type image "$1" >/dev/null 2>&1; }
image_id() { bh inspect --type image --format '{{.FromImageID}}' "$image"; }

# The host's Debian entries (suites bookworm, bookworm-updates, bookworm-security), from
# one-line lists and deb822 .sources alike, as one-line "deb URI SUITE COMPONENTS...".
host_debian_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -E -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && $3 ~ /^bookworm(-updates|-security)?$/ {print}'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      function flush(  i, j) {
        if (types ~ /(^| )deb( |$)/ && enabled != "no") {
          for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
            if (suite[j] ~ /^bookworm(-updates|-security)?$/) print "deb", uri[i], suite[j], comps
        }
        types = ""; enabled = ""; nu = 0; ns = 0; comps = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "") }
      key == "types" { types = $0 }
      key == "enabled" { enabled = tolower($0) }
      key == "uris" { nu = split($0, uri, " ") }
      key == "suites" { ns = split($0, suite, " ") }
      key == "components" { comps = $0 }
      END { flush() }' "$f"
  done
}

# Makes debian:12 and debian:12-slim with debootstrap (minbase, like the official images'
# package set) and commits them under their Docker Hub names, so FROM finds them.
debootstrap_bases() {
  [ "$(id -u)" -eq 0 ] || die "no registry answers and making debian:12 with debootstrap needs root"
  command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
  local sources mirror
  sources=$(host_debian_sources)
  mirror=${GRAFLOW_DEBIAN_MIRROR:-$(awk '$3 == "bookworm" {print $2; exit}' <<<"$sources")}
  [ -n "$mirror" ] || die "no Debian bookworm mirror in /etc/apt/sources.list*; set GRAFLOW_DEBIAN_MIRROR"
  [ -n "$sources" ] || sources="deb $mirror bookworm main"
  tmp=$(mktemp -d /var/tmp/graflowctl-debootstrap.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  log "making debian:12 with debootstrap from $mirror (once; a few minutes)"
  debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
    { tail -20 "$tmp/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # What the official images do: the host's sources (with updates and security, so the
  # image gets the same library versions as this host), no .deb cache, no package lists.
  printf '%s\n' "$sources" >"$tmp/root/etc/apt/sources.list"
  cat >"$tmp/root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
  rm -rf "$tmp/root/var/lib/apt/lists/"* "$tmp/root/var/cache/apt/"*.bin "$tmp/root/var/cache/apt/archives/"*.deb \
    "$tmp/root/var/log/"*.log "$tmp/root/var/log/apt/"* "$tmp/root/etc/hostname"
  commit_base "$tmp/root" docker.io/library/debian:12
  # -slim: the same minus documentation, man pages and translations, and dpkg told to
  # leave them out of later installs (the official slim variant's rules).
  cat >"$tmp/root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
  find "$tmp/root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$tmp/root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$tmp/root/usr/share/info/"* "$tmp/root/usr/share/locale/"* "$tmp/root/usr/share/man/"* \
    "$tmp/root/usr/share/lintian/overrides/"*
  commit_base "$tmp/root" docker.io/library/debian:12-slim
  rm -rf "$tmp"
}

commit_base() {
  local root=$1 name=$2 ctr mnt
  ctr=$(bh from scratch)
  mnt=$(bh mount "$ctr")
  tar -C "$root" -c . | tar -C "$mnt" -x
  bh umount "$ctr" >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
    --label org.opencontainers.image.description="Debian 12 (bookworm), made by graflowctl's image.sh with debootstrap --variant=minbase" \
    "$ctr"
  bh commit -q --rm "$ctr" "$name" >/dev/null
  log "made $name"
}

ensure_bases() {
  local missing=()
  have_image docker.io/library/debian:12 || missing+=(debian:12)
  have_image docker.io/library/debian:12-slim || missing+=(debian:12-slim)
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ "${GRAFLOW_IMAGE_PULL:-1}" != 0 ]; then
    local b pulled=1
    for b in "${missing[@]}"; do
      timeout 60 "${bh_cmd[@]}" pull -q "docker.io/library/$b" \
        >/dev/null 2>&1 || { pulled=0; break; }
    done
    [ $pulled = 0 ] || return 0
    log "no registry answers for ${missing[*]}"
  fi
  debootstrap_bases
}

# Fails when the binary or a module misses a shared library inside the image.
check_libraries() {
  local ctr out
  ctr=$(bh from --pull-never "$image")
  out=$(bh run --isolation chroot --user 0:0 "$ctr" -- sh -c \
    'ldd /opt/graflowctl/bin/graflowctl /opt/graflowctl/lib/graflowctl/*.so | grep "not found" || true')
  bh rm "$ctr" >/dev/null
  [ -z "$out" ] || die "the image lacks shared libraries (add their packages to the Dockerfile's runtime stage):
$out"
}

cmd_build() {
  local build_dir="" from_source=0 input="" stamp=""
  while [ $# -gt 0 ]; do
    case $1 in
      --build-dir) build_dir=${2:?--build-dir needs a directory}; shift 2 ;;
      --from-source) from_source=1; shift ;;
      --tag) image=${2:?--tag needs a name}; shift 2 ;;
      *) echo "image.sh: error: unknown option $1 (see the comment at the top of scripts/image.sh)" >&2; exit 2 ;;
    esac
  done
  mkdir -p "$store" "$runroot"
  # One build at a time per storage (CI and a developer, or two worktrees).
  exec 9>"$store/graflowctl-image.lock"
  flock 9
  ensure_bases
  log "bases ready (${SECONDS}s)"
  local common=(--isolation chroot --pull-never --layers -f "$repo/Dockerfile" -t "$image")
  if [ $from_source = 1 ]; then
    log "building $image from source (the Dockerfile's build stage)"
    bh bud "${common[@]}" "$repo" >&2
  else
    . /etc/os-release
    [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] ||
      die "the prebuilt path needs a Debian 12 host (the image's libraries); use --from-source"
    if [ -z "$build_dir" ]; then
      build_dir=$repo/build/release
      if command -v ccache >/dev/null; then export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}; fi
      (cd "$repo" && cmake --preset release >/dev/null)
    fi
    [ -f "$build_dir/CMakeCache.txt" ] || die "$build_dir is not a configured build directory"
    ! grep -q '^GRAFLOW_SANITIZE:BOOL=ON' "$build_dir/CMakeCache.txt" ||
      die "$build_dir is a sanitizer build (the image has no libasan); use another --build-dir or none"
    cmake --build "$build_dir" --target graflowctl graflowctl-net graflowctl-tls graflowctl-plot -j"$(nproc)" >&2
    local context=$build_dir/image-context
    rm -rf "$context"
    cmake --install "$build_dir" --prefix "$context/opt/graflowctl" --strip >/dev/null
    # The same Dockerfile and the same tree (content, modes; not mtimes) as the image
    # already there: nothing to do. CI's clean clone rebuilds byte-identical files from ccache.
    input=$( (sha256sum <"$repo/Dockerfile" && tar -C "$context" --sort=name --mtime=@0 --owner=0 --group=0 \
      --numeric-owner -c opt | sha256sum) | sha256sum | cut -c1-64)
    stamp=$store/graflowctl-image.input
    if have_image "$image" && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$image $(image_id) $input" ]; then
      log "$image is up to date with $build_dir's install tree (${SECONDS}s)"
      echo "$image"
      return 0
    fi
    rm -f "$stamp"
    log "building $image from $build_dir's install tree (${SECONDS}s)"
    bh bud "${common[@]}" --target prebuilt "$context" >&2
  fi
  # The image replaced under the same name, and its build's intermediates, are garbage now.
  bh rmi --prune >/dev/null 2>&1 || true
  log "checking the libraries inside the image (${SECONDS}s)"
  check_libraries
  [ $from_source = 1 ] || echo "$image $(image_id) $input" >"$stamp"
  log "built $image in ${SECONDS}s"
  echo "$image"
}

cmd_run() {
  local volumes=()
  while [ $# -gt 0 ]; do
    case $1 in
      -v) volumes+=(--volume "${2:?-v needs SRC:DST}"); shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  have_image "$image" || die "no image $image: run scripts/image.sh first"
  local entrypoint cmd user
  mapfile -t entrypoint < <(bh inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' "$image")
  mapfile -t cmd < <(bh inspect --type image --format '{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$image")
  user=$(bh inspect --type image --format '{{.OCIv1.Config.User}}' "$image")
  [ $# -eq 0 ] || cmd=("$@")
  run_ctr=$(bh from --pull-never "$image")
  trap 'bh rm "$run_ctr" >/dev/null 2>&1 || true' EXIT
  # In the background, so that a signal to this script reaches the containerized process
  # (a signal to buildah ends it without passing the signal on) and the working container
  # is still removed afterwards.
  "${bh_cmd[@]}" run --isolation chroot --network host --user "${user:-0:0}" "${volumes[@]}" "$run_ctr" -- \
    "${entrypoint[@]}" "${cmd[@]}" &
  child=$!
  local rc=0
  trap 'forward TERM' TERM
  trap 'forward INT' INT
  wait "$child" || rc=$?
  # wait returns early when a trapped signal arrives: wait again for buildah's own status.
  while [ "$forwarded" = 1 ]; do
    forwarded=0
    rc=0
    wait "$child" || rc=$?
  done
  return $rc
}

# Sends the signal to the process buildah runs: buildah → buildah-chroot-runtime →
# buildah-chroot-exec → the command.
forwarded=0
forward() {
  local p
  forwarded=1
  for p in $(pgrep -P "$(pgrep -P "$(pgrep -P "$child" || true)" || true)" 2>/dev/null || true); do
    kill -s "$1" "$p" 2>/dev/null || true
  done
}

case ${1:-build} in
  build) shift || true; cmd_build "$@" ;;
  run) shift; cmd_run "$@" ;;
  buildah) shift; bh "$@" ;;
  --*) cmd_build "$@" ;;
  *) echo "image.sh: error: unknown command $1 (build, run, buildah)" >&2; exit 2 ;;
esac
