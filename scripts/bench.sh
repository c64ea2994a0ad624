#!/bin/sh
# bench.sh - run every benchmark program (figures, not pass/fail).
set -eu
build/host/parapass bench "$@"
