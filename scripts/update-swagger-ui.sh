#!/usr/bin/env bash
# Refresh the Swagger UI that `approutes dev` serves at /_approutes/docs, from the npm
# registry's swagger-ui-dist (`make swagger-ui`, or `make swagger-ui SWAGGER_UI=5.36.0`).
#
# Only the files the page loads are kept, with their licences; VERSION records the version.
# The source map comment is dropped: the map itself is not shipped.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted="${1:-5}"
dest=src/approutes/openapi/swagger_ui
files=(swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE
       swagger-ui-bundle.js.LICENSE.txt)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(cd "$work" && npm pack --silent "swagger-ui-dist@$wanted")"
tar -xzf "$work/$tarball" -C "$work"

rm -rf "$dest"
mkdir -p "$dest"
for file in "${files[@]}"; do
  cp "$work/package/$file" "$dest/$file"
done
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/swagger-ui-bundle.js"
sed -i '/^\/\*# sourceMappingURL=.*\*\/$/d' "$dest/swagger-ui.css"
node -p "require('$work/package/package.json').version" > "$dest/VERSION"
echo "Swagger UI $(cat "$dest/VERSION") -> $dest"
