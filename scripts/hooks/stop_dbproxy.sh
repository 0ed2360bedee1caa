#!/bin/sh
# The stop_dbproxy hook named by the sample conf/drsp.conf: a stand-in that only says what a real one would do.
#
# drsp runs a site's stop_dbproxy hook, with no arguments, when a DR cluster stops serving (drsp stopservice, and
# the first step ending a drill), and when switchback fences production (drsp stopservice 1 --site production),
# before it waits for open transactions and makes the shards read-only.
# It passes in the environment:
#   DRSP_CLUSTER  the cluster id, e.g. 1
#   DRSP_SITE     the site that stops serving: dr (or production)
#   DRSP_MODE     the mode being entered: SERVICE_STOPPED (dr), FENCED (production)
# Exit 0 to let drsp go on; any other exit code stops the step, and drsp reports it with this script's output
# (the first 4000 bytes). drsp waits at most 120 s, then kills it and every process it started.
#
# Replace the echo below with what takes your applications away from that site, e.g. draining the proxy.
echo "stop_dbproxy (sample hook, changes nothing): would take the applications of cluster ${DRSP_CLUSTER:-?}" \
  "away from the ${DRSP_SITE:-?} site (mode ${DRSP_MODE:-?})"
