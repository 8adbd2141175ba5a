#!/usr/bin/env bash
# Builds the Lifeline Collector from builder.yaml with the OpenTelemetry Collector Builder
# and prints the path of the binary on stdout (everything else goes to stderr).
#
# The binary lives outside the checkout, in
#   ${LIFELINE_CACHE_DIR:-$HOME/.cache/lifeline}/otelcol-<cache key>/otelcol-lifeline
# where the cache key is the first 16 hex of the SHA-256 of builder.yaml followed by, for each
# source file of the components under components/ (*.go except tests, go.mod, go.sum, in byte
# order of their paths), a NUL, the path relative to this folder, a NUL and the file's bytes.
# So a fresh clone reuses it, and any change to the manifest or to a component builds a new one.
# Go's own caches (GOCACHE, GOMODCACHE) are left at their defaults so module downloads and
# compiled packages are reused across builds.
#
# Exit codes: 0 built or reused; 3 Go is not installed; other codes: the build failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
manifest="${here}/builder.yaml"
name="otelcol-lifeline"

if [[ ! -f "$manifest" ]]; then
  echo "build-collector: manifest not found: ${manifest}" >&2
  exit 2
fi

# The manifest, then every component source file as NUL, path, NUL, bytes.
key_input() {
  cat "$manifest"
  if [[ -d "${here}/components" ]]; then
    (cd "$here" && find components -type f \( \( -name '*.go' ! -name '*_test.go' \) -o -name go.mod -o -name go.sum \) -print |
      LC_ALL=C sort | while IFS= read -r file; do printf '\0%s\0' "$file"; cat "$file"; done)
  fi
}
# sha256sum (Linux) or shasum (macOS): the same digest either way.
if command -v sha256sum >/dev/null 2>&1; then
  hash="$(key_input | sha256sum | cut -c1-16)"
else
  hash="$(key_input | shasum -a 256 | cut -c1-16)"
fi
cache_root="${LIFELINE_CACHE_DIR:-${HOME}/.cache/lifeline}"
out_dir="${cache_root}/otelcol-${hash}"
binary="${out_dir}/${name}"

if [[ -x "$binary" ]]; then
  echo "build-collector: reusing ${binary}" >&2
  echo "$binary"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-collector: Go is not installed (https://go.dev/dl/); cannot build the Collector from ${manifest}" >&2
  exit 3
fi

# The builder's version must match the components' release: take it from the otlp receiver line.
version="$(sed -n 's|.*go.opentelemetry.io/collector/receiver/otlpreceiver \(v[0-9.]*\).*|\1|p' "$manifest" | head -n1)"
if [[ -z "$version" ]]; then
  echo "build-collector: ${manifest}: expected a line 'gomod: go.opentelemetry.io/collector/receiver/otlpreceiver vX.Y.Z'" >&2
  exit 2
fi

mkdir -p "$cache_root"
# One build at a time per manifest (parallel CI jobs on one runner, or a test racing a developer).
exec 9>"${cache_root}/otelcol-${hash}.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
if [[ -x "$binary" ]]; then
  echo "build-collector: reusing ${binary} (built while waiting for the lock)" >&2
  echo "$binary"
  exit 0
fi

builder_dir="${cache_root}/ocb-${version}"
builder_bin="${builder_dir}/builder"
if [[ ! -x "$builder_bin" ]]; then
  echo "build-collector: installing the Collector Builder ${version}" >&2
  GOBIN="$builder_dir" go install "go.opentelemetry.io/collector/cmd/builder@${version}" >&2
fi

# Build in a scratch folder next to the final one and rename at the end, so an interrupted
# build never leaves a half-written binary where the next run would reuse it.
work_dir="$(mktemp -d "${cache_root}/otelcol-${hash}.build.XXXXXX")"
trap 'rm -rf "$work_dir"' EXIT
awk -v out="${work_dir}/src" '{ print } /^dist:/ { print "  output_path: " out }' "$manifest" > "${work_dir}/builder.yaml"

echo "build-collector: building ${name} (Collector ${version}) from ${manifest}; the first build takes several minutes" >&2
start=$(date +%s)
# From this folder: the builder resolves a component's `path:` against the working directory.
(cd "$here" && "$builder_bin" --config="${work_dir}/builder.yaml" >&2)
echo "build-collector: built in $(( $(date +%s) - start ))s" >&2

rm -rf "$out_dir"
mkdir -p "${work_dir}/out"
cp "${work_dir}/src/${name}" "${work_dir}/out/${name}"
cp "$manifest" "${work_dir}/out/builder.yaml"
mv "${work_dir}/out" "$out_dir"
echo "$binary"
