#!/usr/bin/env bash
# Builds a native installer/app image of Lopper with the JDK's jpackage.
# Usage: packaging/jpackage.sh [app-image|deb|rpm|dmg|msi]   (default: app-image)
set -euo pipefail
cd "$(dirname "$0")/.."
type=${1:-app-image}
mvn -B -q package -DskipTests
rm -rf target/jpackage-input target/dist
mkdir -p target/jpackage-input
cp target/lopper.jar target/jpackage-input/
cp target/lib/*.jar target/jpackage-input/
icon=()
case "$(uname -s)" in
  Linux) [ -f icons/lopper.png ] && icon=(--icon icons/lopper.png) ;;
  Darwin) [ -f icons/lopper.icns ] && icon=(--icon icons/lopper.icns) ;;
  MINGW*|MSYS*|CYGWIN*) [ -f icons/lopper.ico ] && icon=(--icon icons/lopper.ico) ;;
esac
jpackage --type "$type" --name Lopper --app-version 0.1.0 \
  --input target/jpackage-input --main-jar lopper.jar --main-class dev.lopper.Main \
  --java-options "-Xss8m" "${icon[@]}" --dest target/dist
echo "written to target/dist"
