#!/bin/sh
# demo.sh - the main job, until the full-system demo lands: show what works.
set -eu
echo "parapass demo: the hosted build is in build/host; run 'make check' for the tests."
