#!/usr/bin/env bash
# Fetches the vendored front-end files under api/assets/vendor/ from the npm registry, at the pinned
# versions below, with `npm pack` (the tarball's integrity is checked against the pinned one).
#
#   scripts/refresh-assets.sh           rewrite api/assets/vendor/ from the registry
#   scripts/refresh-assets.sh --check   compare the committed files with the registry's; exit 1 on
#                                       any difference, missing or extra file
#
# To move to another version: change the line below, run the script, update api/assets/README.md,
# the paths in api/assets/graphiql.html (api/assets/dashboard.html for ECharts) and the file list in
# api/src/http/assets.rs.
set -euo pipefail

# One package a line: name, version, the tarball's sha512 integrity, then the files to take (paths
# inside the package; each is stored under api/assets/vendor/NAME-VERSION/ by its file name).
PACKAGES=(
  "react 18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ== umd/react.production.min.js LICENSE"
  "react-dom 18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw== umd/react-dom.production.min.js LICENSE"
  "graphiql 4.1.2 sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg== graphiql.min.js graphiql.min.css LICENSE"
  "echarts 5.6.0 sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA== dist/echarts.min.js LICENSE NOTICE licenses/LICENSE-d3"
)

mode=write
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/api/assets/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fetched="$work/vendor"
mkdir -p "$fetched"

for line in "${PACKAGES[@]}"; do
  read -r name version integrity files <<<"$line"
  pack="$work/pack-$name"
  mkdir -p "$pack"
  (cd "$pack" && npm pack --silent "$name@$version" >/dev/null)
  tarball="$(ls "$pack"/*.tgz)"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "$name@$version: the tarball's integrity is $actual, expected $integrity" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$pack"
  dest="$fetched/$name-$version"
  mkdir -p "$dest"
  for file in $files; do
    cp "$pack/package/$file" "$dest/$(basename "$file")"
  done
  echo "$name@$version: $files"
done

if [[ "$mode" == check ]]; then
  if diff -rq "$fetched" "$vendor" >"$work/diff"; then
    echo "api/assets/vendor matches the registry"
  else
    echo "api/assets/vendor differs from the registry:" >&2
    sed "s|$work/vendor|registry|; s|$root/||" "$work/diff" >&2
    exit 1
  fi
else
  rm -rf "$vendor"
  mkdir -p "$(dirname "$vendor")"
  cp -r "$fetched" "$vendor"
  echo "api/assets/vendor refreshed"
fi
