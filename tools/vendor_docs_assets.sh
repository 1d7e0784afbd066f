#!/bin/sh
# Copy the docs pages' assets from the pinned npm packages (tools/package-lock.json) into
# app/static/docs/, with each package's licence. Run after changing a version in
# tools/package.json; the copies are checked in so the service needs no CDN and no Node.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts
out=../app/static/docs
rm -rf "$out/swagger-ui" "$out/redoc" "$out/graphiql" "$out/react"
mkdir -p "$out/swagger-ui" "$out/redoc" "$out/graphiql" "$out/react"
m=node_modules
cp $m/swagger-ui-dist/swagger-ui-bundle.js $m/swagger-ui-dist/swagger-ui.css \
   $m/swagger-ui-dist/LICENSE $m/swagger-ui-dist/NOTICE "$out/swagger-ui/"
cp $m/redoc/bundles/redoc.standalone.js $m/redoc/LICENSE "$out/redoc/"
# ReDoc's footer shows its vendor's logo from their CDN; the page's CSP would block it, so the
# copy points at a blank placeholder served from here instead.
printf '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"/>\n' > "$out/redoc/logo-mini.svg"
sed -i 's#https://cdn.redoc.ly/redoc/logo-mini.svg#/static/docs/redoc/logo-mini.svg#' "$out/redoc/redoc.standalone.js"
cp $m/graphiql/graphiql.min.js $m/graphiql/graphiql.min.css $m/graphiql/LICENSE "$out/graphiql/"
cp $m/react/umd/react.production.min.js $m/react-dom/umd/react-dom.production.min.js "$out/react/"
cp $m/react/LICENSE "$out/react/LICENSE"
for p in swagger-ui-dist redoc graphiql react react-dom; do
  node -e "const p=require('./$m/$p/package.json'); console.log(p.name + ' ' + p.version)"
done > "$out/VERSIONS"
