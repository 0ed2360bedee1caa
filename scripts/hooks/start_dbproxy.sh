#!/bin/sh
# The start_dbproxy hook named by the sample conf/drsp.conf: a stand-in that only says what a real one would do.
#
# drsp runs a site's start_dbproxy hook, with no arguments, when a DR cluster starts serving (drsp service, and the
# service step of a drill), after its shards were made writable; on production, when a fence is undone (drsp service
# 1 --site production) or fails (its applications go back to it). It passes in the environment:
#   DRSP_CLUSTER  the cluster id, e.g. 1
#   DRSP_SITE     the site that is to serve: dr (or production)
#   DRSP_MODE     the mode being entered: SERVICE
# Exit 0 to let drsp go on; any other exit code stops the step, and drsp reports it with this script's output
# (the first 4000 bytes). drsp waits at most 120 s, then kills it and every process it started.
#
# Replace the echo below with what sends your applications to that site, e.g. switching the proxy's backends.
echo "start_dbproxy (sample hook, changes nothing): would send the applications of cluster ${DRSP_CLUSTER:-?}" \
  "to the ${DRSP_SITE:-?} site (mode ${DRSP_MODE:-?})"
