#!/usr/bin/env bash
# Extracts real photos for tests and benchmarks from Debian packages into .cache/photos/:
#   - opencv-doc, examples/data: street scenes, text, licence plates, messi5.jpg (a face),
#     Megamind.avi (an animated film clip with faces);
#   - python3-skimage, skimage/data: astronaut.png, camera.png (faces), chelsea.png, coffee.png;
#   - python-matplotlib-data, mpl-data/sample_data: grace_hopper.jpg (a face).
# Then, when jalad is built (dist/), crops the faces with jalad's imported face-api detector
# into .cache/faces/ (150x150, for the face-embed model).
# Uses `apt-get download` + `dpkg-deb -x`: nothing is installed system-wide. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/photos
faces=.cache/faces

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 777 "$work"
updated=0

# fetch <package> <folder inside the package> <note> <files...>: copies the files unless all are there,
# and writes $dest/PROVENANCE.<package>.txt.
fetch() {
  local pkg=$1 dir=$2 note=$3
  shift 3
  local need=0
  for p in "$@"; do [ -s "$dest/$p" ] || need=1; done
  [ -s "$dest/PROVENANCE.$pkg.txt" ] || need=1
  [ "$need" = 1 ] || return 0
  echo "fetch-photos: downloading $pkg (Debian)"
  if ! (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1); then
    if [ "$updated" = 0 ]; then $SUDO apt-get update -qq; updated=1; fi
    (cd "$work" && apt-get download "$pkg" >/dev/null)
  fi
  local deb
  deb=$(ls "$work/${pkg}"_*.deb)
  rm -rf "$work/x"
  dpkg-deb -x "$deb" "$work/x"
  mkdir -p "$dest"
  for p in "$@"; do cp "$work/x/$dir/$p" "$dest/$p"; done
  {
    echo "Photos extracted from the Debian package $pkg $(dpkg-deb -f "$deb" Version),"
    echo "folder /$dir ($note; see the package's copyright file)."
    printf '%s\n' "$@"
  } > "$dest/PROVENANCE.$pkg.txt"
  rm -f "$deb"
}

fetch opencv-doc usr/share/doc/opencv-doc/examples/data "OpenCV sample data" \
  imageTextN.png imageTextR.png licenseplate_motion.jpg building.jpg fruits.jpg board.jpg baboon.jpg messi5.jpg Megamind.avi
fetch python3-skimage usr/lib/python3/dist-packages/skimage/data "scikit-image sample data, see its README.txt" \
  astronaut.png camera.png chelsea.png coffee.png
fetch python-matplotlib-data usr/share/matplotlib/mpl-data/sample_data "Matplotlib sample data" \
  grace_hopper.jpg

# One provenance file; opencv-doc first, so the photo order older scripts (make-clip.sh) see is unchanged.
cat "$dest/PROVENANCE.opencv-doc.txt" "$dest/PROVENANCE.python3-skimage.txt" "$dest/PROVENANCE.python-matplotlib-data.txt" > "$dest/PROVENANCE.txt.tmp"
mv "$dest/PROVENANCE.txt.tmp" "$dest/PROVENANCE.txt"
echo "fetch-photos: photos in $dest (see $dest/PROVENANCE.txt)"

face_photos=(astronaut.png camera.png messi5.jpg grace_hopper.jpg chelsea.png)
if [ -s "$faces/PROVENANCE.txt" ]; then exit 0; fi
if [ ! -f dist/pipelines/face-crops.js ]; then
  echo "fetch-photos: jalad is not built (npm run build): skipping the face crops in $faces"
  exit 0
fi
list=$(printf "\"$dest/%s\"," "${face_photos[@]}")
node --input-type=module -e "
  const { writeFaceCrops } = await import('./dist/pipelines/face-crops.js');
  const crops = await writeFaceCrops([${list%,}], '$faces');
  console.log('fetch-photos: ' + crops.length + ' face crops in $faces');
"
