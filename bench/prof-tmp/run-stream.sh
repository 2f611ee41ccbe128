#!/bin/bash
cd "$(dirname "$0")"
node up.mjs & UP=$!
sleep 0.5
node --cpu-prof --cpu-prof-dir=/tmp/prof/cpu gw.mjs & GW=$!
sleep 1.5
node load.mjs stream 6
kill -INT $GW; sleep 1; kill $UP
