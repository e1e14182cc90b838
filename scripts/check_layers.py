#!/usr/bin/python3
"""Fails (exit 1, naming file and line) when a source file includes a header from a layer
it must not depend on. The daemon's folders are layers, used in the data-flow direction:
control -> call -> media -> lib, with stats reading what call hands it, and the observers
(homer, mqtt) on top of what they observe. lib/ knows nothing of the daemon.
Run by the build (CMake target check_layers), so a wrong include fails `make`."""

import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# folder -> daemon folders its files may include (its own always allowed)
ALLOWED = {
    "kernel": set(),  # /proc/rtpengine: lib/ and kernel-module/'s ABI header only
    "media": set(),
    "stats": {"media"},
    "ice": {"media"},
    "dtls": {"media"},
    "call": {"media", "ice", "dtls", "stats", "kernel"},
    "homer": {"media"},
    "mqtt": {"call", "media", "stats"},
    "control": {"call", "ice", "dtls", "media", "stats", "homer", "mqtt"},
}
# Top-level daemon files every layer may use: the options and the version string.
SHARED = {"daemon/options.hpp", "daemon/version.hpp"}
# Dependencies still to be removed, each with the reason it is tolerated for now.
KNOWN = {}

INCLUDE = re.compile(r'^\s*#\s*include\s+"(daemon/[^"]+)"')


def layer_of(path):
    parts = path.split("/")
    if parts[0] == "lib":
        return "lib"
    if parts[0] == "daemon" and len(parts) > 2:
        return parts[1]
    return None


def main():
    errors = []
    for top in ("daemon", "lib"):
        for root, _, files in os.walk(os.path.join(REPO, top)):
            for name in files:
                if not name.endswith((".cpp", ".hpp", ".h", ".c")):
                    continue
                path = os.path.relpath(os.path.join(root, name), REPO)
                layer = layer_of(path)
                if layer is None:
                    continue  # main.cpp, options, process: the wiring sees everything
                with open(os.path.join(REPO, path), errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if layer == "lib":
                            errors.append("%s:%d: lib/ includes %s" % (path, number, target))
                            continue
                        if target in SHARED:
                            continue
                        other = layer_of(target) or "daemon"
                        if other == layer or other in ALLOWED.get(layer, set()) or (layer, other) in KNOWN:
                            continue
                        errors.append("%s:%d: %s/ must not include %s" % (path, number, layer, target))
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
