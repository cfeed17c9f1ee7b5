#!/bin/sh
# Checks the Prometheus rules and runs their unit tests with promtool
# (Debian package "prometheus"). Run from any directory:
#   sh deploy/prometheus/check.sh
set -eu
dir=$(cd "$(dirname "$0")" && pwd)

if ! command -v promtool >/dev/null 2>&1; then
	echo "promtool not found; install the prometheus package (apt-get install prometheus)" >&2
	exit 1
fi

promtool check rules "$dir/rules.yaml"
promtool test rules "$dir/rules_test.yaml"
