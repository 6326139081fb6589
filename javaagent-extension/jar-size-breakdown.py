#!/usr/bin/env python3
"""Compare two builds of sluice-extension.jar by package: compressed KB and entries per group.

Why: the extension is extracted and loaded at every agent start, so its size is paid by every
user; this says which bundled library (relocated under io/sluice/shaded/) or Sluice package a
change in size comes from. Raw runtime classes (sluice-runtime/<path>.class.raw) count under
their usual path. The zip's own overhead (entry names, headers) is the file size minus the
"total compressed" line.

    python3 javaagent-extension/jar-size-breakdown.py OLD.jar NEW.jar
"""
import collections
import os
import sys
import zipfile

SPLIT_DEEPER = {("com", "google"), ("io", "netty"), ("io", "vertx"), ("io", "grpc")}


def group(name):
    name = name.removeprefix("sluice-runtime/").removesuffix(".raw")
    parts = name.split("/")
    if name.startswith("io/sluice/shaded/"):
        rest = parts[3:]
        if len(rest) > 3 and tuple(rest[:2]) in SPLIT_DEEPER:
            return "shaded/" + "/".join(rest[:3])
        return "shaded/" + "/".join(rest[:2])
    if name.startswith("io/sluice/"):
        return "/".join(parts[:3])
    if name.startswith("META-INF/"):
        return "META-INF/" + (parts[1] if len(parts) > 2 else "(files)")
    return parts[0] if len(parts) > 1 else "(root files)"


def sizes(path):
    size, count = collections.Counter(), collections.Counter()
    for entry in zipfile.ZipFile(path).infolist():
        if not entry.is_dir():
            size[group(entry.filename)] += entry.compress_size
            count[group(entry.filename)] += 1
    return size, count


def main(old, new):
    (a, an), (b, bn) = sizes(old), sizes(new)
    print(f"{'group':40} {'old KB':>8} {'new KB':>8} {'delta':>8} {'old n':>6} {'new n':>6}")
    for k in sorted(set(a) | set(b), key=lambda k: -max(a[k], b[k])):
        print(f"{k:40} {a[k]/1024:8.1f} {b[k]/1024:8.1f} {(b[k]-a[k])/1024:8.1f} {an[k]:6} {bn[k]:6}")
    for label, path, s in (("old", old, a), ("new", new, b)):
        print(f"{label}: file {os.path.getsize(path)} bytes, total compressed {sum(s.values())}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
