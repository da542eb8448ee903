#!/usr/bin/env bash
# Installs the built deb into a clean folder (dpkg-deb -x, no root needed, no postinst) and runs the installed
# launcher: `lopper --version` and `lopper inspect samples/digits_cnn.onnx`. Fails on any error, on a
# JavaFX/CDS warning on stderr, or on an installed size >= 150 MB. Prints the installed size and the time.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls target/dist/lopper_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "check-deb: no target/dist/lopper_*.deb (run mvn -Ppackage package)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
lopper="$root/opt/lopper/bin/lopper"
kb=$(du -sk "$root" | cut -f1)
echo "check-deb: $deb installs $((kb / 1024)) MB"
[ "$kb" -lt $((150 * 1024)) ] || { echo "check-deb: installed size $((kb / 1024)) MB >= 150 MB" >&2; exit 1; }
grep -q 'MimeType=application/x-onnx' "$root"/opt/lopper/lib/*.desktop
grep -q 'pattern="\*.onnx"' "$root"/opt/lopper/lib/*MimeInfo.xml

"$lopper" --version > "$root/version.out" 2> "$root/version.err"
cat "$root/version.out"
grep -q '^lopper [0-9]' "$root/version.out" && grep -q '^Java 17' "$root/version.out" \
  && grep -q '^ONNX Runtime [0-9]' "$root/version.out" || { echo "check-deb: bad --version output" >&2; exit 1; }
[ ! -s "$root/version.err" ] || { echo "check-deb: --version wrote to stderr:" >&2; cat "$root/version.err" >&2; exit 1; }

start=$(date +%s%N)
"$lopper" inspect samples/digits_cnn.onnx > "$root/inspect.out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'Conv' "$root/inspect.out" || { echo "check-deb: inspect printed no Conv:" >&2; cat "$root/inspect.out" >&2; exit 1; }
echo "check-deb: installed 'lopper inspect samples/digits_cnn.onnx' took ${ms} ms (no class-data archive: dpkg -x runs no postinst)"
# what the deb's postinst does on a real install: write the class-data archive for this location, then time again
"$root/opt/lopper/lib/app/lopper-cds.sh" > /dev/null
start=$(date +%s%N)
"$lopper" inspect samples/digits_cnn.onnx > "$root/inspect2.out" 2> "$root/inspect2.err"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ ! -s "$root/inspect2.err" ] || { echo "check-deb: stderr with the class-data archive:" >&2; cat "$root/inspect2.err" >&2; exit 1; }
cmp -s "$root/inspect.out" "$root/inspect2.out" || { echo "check-deb: output differs with the class-data archive" >&2; exit 1; }
echo "check-deb: the same with the class-data archive (lopper-cds.sh, as the postinst runs it) took ${ms} ms"
# the GUI from the installed runtime (FXML window, JavaFX from the jlinked modules): a screenshot of the sample
if command -v xvfb-run >/dev/null 2>&1; then
  timeout 180 xvfb-run -a -s "-screen 0 1600x1000x24" "$lopper" gui samples/digits_cnn.onnx --screenshot "$root/gui.png" \
    > "$root/gui.out" 2> "$root/gui.err" || { echo "check-deb: the installed app did not open:" >&2; cat "$root/gui.err" >&2; exit 1; }
  [ -s "$root/gui.png" ] || { echo "check-deb: the installed app wrote no screenshot" >&2; cat "$root/gui.err" >&2; exit 1; }
  echo "check-deb: the installed app opened the sample and wrote a $(stat -c %s "$root/gui.png")-byte screenshot"
  # how long the installed app takes to show the sample's graph (target: < 3 s on 2 idle cores)
  timeout 180 xvfb-run -a -s "-screen 0 1600x1000x24" "$lopper" gui samples/digits_cnn.onnx --first-paint \
    > "$root/paint.out" 2> "$root/paint.err" || { echo "check-deb: --first-paint failed:" >&2; cat "$root/paint.err" >&2; exit 1; }
  grep -q '^first paint: [0-9]* ms after launch' "$root/paint.out" || { echo "check-deb: no first-paint line" >&2; cat "$root/paint.out" "$root/paint.err" >&2; exit 1; }
  echo "check-deb: installed app, $(cat "$root/paint.out") (load average $(cut -d' ' -f1 /proc/loadavg))"
else
  echo "check-deb: xvfb-run not found, the GUI was not started"
fi
echo "check-deb: ok"
