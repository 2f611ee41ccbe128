#!/bin/bash
# usage: run.sh [prof]
cd "$(dirname "$0")"
node up.mjs & UP=$!
sleep 0.5
if [ "$1" = prof ]; then node --cpu-prof --cpu-prof-dir=/tmp/prof/cpu gw.mjs & else node gw.mjs & fi
GW=$!
sleep 1.5
node load.mjs json 5
node load.mjs stream 5
kill -INT $GW; sleep 1; kill $UP
