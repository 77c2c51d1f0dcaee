#!/usr/bin/env bash
# Makes a video clip of real frames from the test photos (.cache/photos, see fetch-photos.sh):
# each photo is shown for N frames with a slow zoom, so consecutive frames differ like a camera's.
# Usage: scripts/make-clip.sh [out.mp4] [frames-per-photo] [size]   (defaults: .cache/clips/photos.mp4 8 640x640)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.cache/clips/photos.mp4}
per=${2:-8}
size=${3:-640x640}
[ -s "$out" ] && exit 0
mkdir -p "$(dirname "$out")"
inputs=()
filters=""
i=0
for p in $(grep -E '\.(png|jpe?g)$' .cache/photos/PROVENANCE.txt); do
  inputs+=(-loop 1 -t 1 -i ".cache/photos/$p")
  filters+="[$i:v]scale=${size/x/:},zoompan=z='1+0.02*on':d=1:s=$size:fps=10,setsar=1,trim=end_frame=$per,setpts=PTS-STARTPTS[v$i];"
  i=$((i + 1))
done
concat=""
for ((k = 0; k < i; k++)); do concat+="[v$k]"; done
ffmpeg -hide_banner -loglevel error -nostdin "${inputs[@]}" -filter_complex "${filters}${concat}concat=n=$i:v=1:a=0,format=yuv420p[out]" -map "[out]" -r 10 -y "$out"
echo "make-clip: $(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$out") frames in $out"
