#!/bin/sh
# Writes the class-data-sharing archive (AppCDS) of an installed Lopper: lib/app/lopper.jsa, which the launcher
# maps at start (-XX:SharedArchiveFile in lib/app/lopper.cfg). Run by the deb's postinst and by packaging/package.sh;
# run it again after moving an app image (the archive is tied to the absolute paths of the jars).
# It runs a representative command (prune + verify + write of the bundled sample) with -XX:ArchiveClassesAtExit.
set -e
app=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$app")")
java="$root/lib/runtime/bin/java"
# the launcher's class path, exactly as it passes it to the JVM (lopper.cfg's app.classpath entries)
cp=$(sed -n 's/^app\.classpath=//p' "$app/lopper.cfg" | sed "s|\$APPDIR|$app|g" | paste -sd: -)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$app/lopper.jsa"
"$java" -Xss8m -XX:ArchiveClassesAtExit="$app/lopper.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -cp "$cp" \
  dev.lopper.Main prune "$app/digits_cnn.onnx" -o "$tmp/out.onnx" --ratio 0.5 >/dev/null
echo "wrote $app/lopper.jsa"
