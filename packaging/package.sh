#!/usr/bin/env bash
# Builds Lopper's app image and this OS's native installer with the JDK's jlink + jpackage.
# Run by `mvn -Ppackage package` (after the jar and target/lib exist), or directly after `mvn package`.
#   packaging/package.sh            app image + the native installer (deb on Linux, msi on Windows, dmg on macOS)
#   packaging/package.sh app-image  app image only
# Output: target/dist/lopper (app image), target/dist/lopper_VERSION_ARCH.deb (or .msi/.dmg).
set -euo pipefail
cd "$(dirname "$0")/.."
types=${1:-auto}
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
[ -f target/lopper.jar ] && [ -d target/lib ] || { echo "package.sh: run mvn package first (target/lopper.jar, target/lib)" >&2; exit 1; }
case "$(uname -s)" in
  Linux) os=linux; fx=linux; icon=icons/lopper.png; installer=deb ;;
  Darwin) os=mac; fx=mac; [ "$(uname -m)" = arm64 ] && fx=mac-aarch64; icon=icons/lopper.icns; installer=dmg ;;
  *) os=win; fx=win; icon=icons/lopper.ico; installer=msi ;;
esac
[ "$types" = auto ] && types="app-image $installer"

work=target/jpackage
rm -rf "$work" target/dist
mkdir -p "$work/input" "$work/fx" target/dist
# app jars on the class path; JavaFX (the platform jars are real modules) goes into the runtime image instead,
# so JavaFX runs from the module path (no "Unsupported JavaFX configuration" warning)
cp target/lopper.jar "$work/input/"
for j in target/lib/*.jar; do
  case "$(basename "$j")" in
    javafx-*-"$fx".jar) cp "$j" "$work/fx/" ;;
    javafx-*) ;;  # the classifier-less javafx jars are empty placeholders
    *) cp "$j" "$work/input/" ;;
  esac
done
cp packaging/lopper-cds.sh samples/digits_cnn.onnx "$work/input/"
# ONNX Runtime's jar carries the native library of every platform (43 MB): this platform's go next to the jar,
# unpacked (OrtNatives points ORT there: no extraction to a temp folder per process), the jar keeps none
ort=$(ls "$work"/input/onnxruntime-*.jar)
case "$os-$(uname -m)" in
  linux-x86_64) keep=linux-x64 ;; linux-aarch64) keep=linux-aarch64 ;; mac-arm64) keep=osx-aarch64 ;;
  mac-x86_64) keep=osx-x64 ;; *) keep=win-x64 ;;
esac
rm -rf "$work/ort" && mkdir -p "$work/ort" && (cd "$work/ort" && jar --extract --file "../input/$(basename "$ort")")
mkdir -p "$work/input/onnxruntime-native/ai/onnxruntime/native"
mv "$work/ort/ai/onnxruntime/native/$keep" "$work/input/onnxruntime-native/ai/onnxruntime/native/"
rm -rf "$work/ort/ai/onnxruntime/native"
rm "$ort" && jar --create --file "$ort" --manifest "$work/ort/META-INF/MANIFEST.MF" -C "$work/ort" .

# the JDK modules the app needs (jdeps), plus JavaFX and what ORT/protobuf reach reflectively
jdk_mods=$(jdeps --print-module-deps --ignore-missing-deps --multi-release 17 \
  --class-path "$work/input/*" "$work/input/lopper.jar")
mods="$jdk_mods,javafx.controls,javafx.fxml,javafx.swing,jdk.unsupported,jdk.zipfs"
echo "runtime modules: $mods"
jlink --module-path "$work/fx" --add-modules "$mods" --strip-debug --no-man-pages --no-header-files \
  --compress=2 --generate-cds-archive --output "$work/runtime"

common=(--name lopper --app-version "$version" --vendor "Lopper" \
  --description "Structurally prune any ONNX model and see what you cut.")
for t in $types; do
  case "$t" in
    app-image)
      # -XX:SharedArchiveFile: the class-data archive lopper-cds.sh writes (made below for this image, by the deb's
      # postinst for /opt/lopper); a missing or stale archive is ignored silently (-Xshare:auto, cds logging off)
      jpackage --type app-image "${common[@]}" --input "$work/input" --main-jar lopper.jar \
        --main-class dev.lopper.Main --runtime-image "$work/runtime" --icon "$icon" \
        --java-options '-Xss8m -XX:SharedArchiveFile=$APPDIR/lopper.jsa -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off' \
        --dest target/dist ;;
    deb|rpm)
      [ -d target/dist/lopper ] || { echo "package.sh: build the app-image first" >&2; exit 1; }
      jpackage --type "$t" "${common[@]}" --app-image target/dist/lopper --dest target/dist \
        --resource-dir packaging/linux --file-associations packaging/onnx-association.properties \
        --linux-shortcut --linux-menu-group "Development;Science" --linux-app-category science \
        --linux-package-name lopper --install-dir /opt ;;
    msi)
      jpackage --type msi "${common[@]}" --app-image target/dist/lopper --dest target/dist \
        --file-associations packaging/onnx-association.properties --win-menu --win-shortcut --win-dir-chooser ;;
    dmg)
      jpackage --type dmg "${common[@]}" --app-image target/dist/lopper.app --dest target/dist \
        --file-associations packaging/onnx-association.properties ;;
    *) echo "package.sh: unknown type $t (app-image, deb, rpm, msi, dmg)" >&2; exit 2 ;;
  esac
done
# the class-data archive of the app image as it lies in target/dist (installers build their own at install time)
if [ "$os" = linux ] && [ -d target/dist/lopper ]; then
  target/dist/lopper/lib/app/lopper-cds.sh || echo "package.sh: no class-data archive (startup is slower, nothing else changes)" >&2
fi
ls -la target/dist
