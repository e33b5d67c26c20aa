#!/bin/sh
# webhook-append.sh LOG PAYLOAD: the command adnanh/webhook runs per
# request in the benchmark: append the payload as one line to LOG.
printf '%s\n' "$2" >> "$1"
