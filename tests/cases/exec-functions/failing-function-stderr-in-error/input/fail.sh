#!/bin/sh
echo "cannot do it: no input" >&2
exit 7
