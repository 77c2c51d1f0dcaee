#!/usr/bin/python3
"""A small RTSP server for tests and demos (gst-rtsp-server through python3-gi).

Serves a live test pattern (default) or a video file, as RTP/JPEG, at
rtsp://<host>:<port>/<path>. When it is listening it prints one line on stdout:

    READY port=<port> url=rtsp://<host>:<port>/<path>

and it stops cleanly (exit status 0) on SIGTERM or SIGINT.

Usage:
  scripts/rtsp-server.py [--host 127.0.0.1] [--port 0] [--path test]
                         [--width 320] [--height 240] [--fps 10] [--pattern smpte]
                         [--file clip.mp4] [--launch '<gst-launch pipeline with pay0>']

  --port 0 (the default) lets the kernel pick a free port; the READY line names it.
  --file plays a video file (any container/codec the installed GStreamer plugins decode;
  MJPEG in .mkv/.avi works with the Debian packages named in scripts/setup.sh), re-encoded
  to JPEG at the given size, at the file's own rate (or at --fps when given). It plays once;
  connected clients then see the end of the stream.
  --launch replaces the whole pipeline (it must contain an RTP payloader named pay0).

Needs the Debian packages gir1.2-gst-rtsp-server-1.0, python3-gi, gstreamer1.0-plugins-base
and gstreamer1.0-plugins-good; run it with the system python (/usr/bin/python3).
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def pipeline(args: argparse.Namespace) -> str:
    """The gst-launch description of the served media."""
    if args.launch:
        return args.launch
    caps = f"video/x-raw,format=I420,width={args.width},height={args.height}"
    if args.file:
        location = args.file.replace("\\", "\\\\").replace('"', '\\"')
        src = f'filesrc location="{location}" ! decodebin ! videoconvert ! videoscale ! videorate'
        caps += f",framerate={args.fps}/1" if args.fps_given else ""
    else:
        src = f"videotestsrc is-live=true pattern={args.pattern}"
        caps += f",framerate={args.fps}/1"
    return f"( {src} ! {caps} ! jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26 )"


def main() -> int:
    parser = argparse.ArgumentParser(description="RTSP test server (test pattern or file)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--path", default="test")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--fps", type=int, default=None)
    parser.add_argument("--pattern", default="smpte", help="videotestsrc pattern (default smpte)")
    parser.add_argument("--file", default=None, help="serve this video file instead of a test pattern")
    parser.add_argument("--launch", default=None, help="custom pipeline containing pay0")
    args = parser.parse_args()
    args.fps_given = args.fps is not None
    if args.fps is None:
        args.fps = 10

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(pipeline(args))
    factory.set_shared(True)
    path = "/" + args.path.lstrip("/")
    server.get_mount_points().add_factory(path, factory)
    if server.attach(None) == 0:
        print(f"rtsp-server: cannot listen on {args.host}:{args.port}", file=sys.stderr, flush=True)
        return 1
    port = server.get_bound_port()
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY port={port} url=rtsp://{args.host}:{port}{path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
