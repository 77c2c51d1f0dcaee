#!/usr/bin/env bash
# Extracts real photos for tests and benchmarks from Debian's opencv-doc package
# (examples/data: street scenes, text, licence plates) into .cache/photos/.
# Uses `apt-get download` + `dpkg-deb -x`: nothing is installed system-wide. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/photos
photos=(imageTextN.png imageTextR.png licenseplate_motion.jpg building.jpg fruits.jpg board.jpg baboon.jpg messi5.jpg)
have_all=1
for p in "${photos[@]}"; do [ -s "$dest/$p" ] || have_all=0; done
if [ "$have_all" = 1 ]; then exit 0; fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 777 "$work"
echo "fetch-photos: downloading opencv-doc (Debian) for its example photos"
if ! (cd "$work" && apt-get download opencv-doc >/dev/null 2>&1); then
  $SUDO apt-get update -qq
  (cd "$work" && apt-get download opencv-doc >/dev/null)
fi
deb=$(ls "$work"/opencv-doc_*.deb)
dpkg-deb -x "$deb" "$work/x"
mkdir -p "$dest"
for p in "${photos[@]}"; do
  cp "$work/x/usr/share/doc/opencv-doc/examples/data/$p" "$dest/$p"
done
version=$(dpkg-deb -f "$deb" Version)
{
  echo "Photos extracted from the Debian package opencv-doc $version,"
  echo "folder /usr/share/doc/opencv-doc/examples/data (OpenCV sample data; see the package's copyright file)."
  printf '%s\n' "${photos[@]}"
} > "$dest/PROVENANCE.txt"
echo "fetch-photos: ${#photos[@]} photos in $dest"
