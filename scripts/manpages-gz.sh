#!/bin/sh
# Compress docs/man/*.1 into bin/manpages/*.1.gz for the .deb and .rpm
# (goreleaser.yaml's nfpms install them in /usr/share/man/man1, where man
# looks for compressed pages). gzip -n leaves out name and time, so the
# packages of one commit are byte-for-byte the same. bin/ is build output
# (.gitignore, make clean).
set -eu
out=bin/manpages
rm -rf "$out"
mkdir -p "$out"
for page in docs/man/*.1; do
	gzip -9 -n -c "$page" > "$out/$(basename "$page").gz"
done
