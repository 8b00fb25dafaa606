#!/bin/sh
# PID 1 of the appliance test's namespaces (unshare --net --mount --pid --fork): the test root
# gets its own /proc, /sys, /dev/shm and an empty /run, loopback up, and runs one script.
set -eu
root="$1"
shift
trap 'exit 143' TERM
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
ip link set lo up
exec chroot "$root" /bin/sh "$@"
