#!/bin/sh
# Regenerates the .xz fixtures with xz(1) (XZ Utils; Debian package xz-utils).
# The content is `seq 1 20000`, which the tests rebuild to compare.
set -eu
cd "$(dirname "$0")"
seq 1 20000 > /tmp/xz-content
xz -c -0 /tmp/xz-content > preset0.xz
xz -c -9e /tmp/xz-content > preset9e.xz
xz -c -6 --check=none /tmp/xz-content > check_none.xz
xz -c -6 --check=crc32 /tmp/xz-content > check_crc32.xz
xz -c -6 --check=sha256 /tmp/xz-content > check_sha256.xz
# Several blocks, each header recording its sizes.
xz -c -6 -T2 --block-size=20000 /tmp/xz-content > blocks.xz
# Two streams with stream padding between them.
head -c 50000 /tmp/xz-content | xz -c -1 > concat.xz
printf '\0\0\0\0' >> concat.xz
tail -c +50001 /tmp/xz-content | xz -c -1 >> concat.xz
# A filter chain this reader does not decode.
xz -c --x86 --lzma2=preset=1 /tmp/xz-content > bcj.xz
rm /tmp/xz-content
