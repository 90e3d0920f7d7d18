#!/bin/bash
# PID 1 of a test VPS. Started by vps.sh as:
#   nsenter --net=/run/netns/facteur-vps-N unshare --mount --propagation private --pid --uts --ipc --fork \
#       bash vps-init.sh N STATE_DIR RUNTIME_DIR
# so it runs in the VPS's network namespace and in fresh mount/pid/uts/ipc namespaces. It builds
# the VPS's root file system, pivots into it, starts dockerd and sshd, then waits. SIGTERM stops
# dockerd (which stops its containers) and sshd; when this process exits, the kernel kills every
# process left in the VPS's pid namespace.
#
# The VPS's root file system:
#   /                 overlay: the host's root fs read-only below, writes go to STATE/fs/upper
#                     (so apt-get, /etc edits, /usr, /opt, ... never reach the host)
#   /root             bind STATE/home           (own HOME, clean .bashrc, own .ssh/authorized_keys)
#   /var/lib/facteur  bind STATE/facteur        (the app's data dir on the "server")
#   /var/lib/docker   bind STATE/docker         (the VPS dockerd's data; overlay2 cannot sit on overlayfs)
#   /run              bind STATE/run            (emptied at each start, like a tmpfs; /run/docker.sock)
#   /tmp              bind STATE/tmp
#   /proc             fresh procfs of the VPS's pid namespace; /proc/sys read-only except net/
#   /dev, /sys        the host's (rbind), with a private /dev/shm; /sys read-only except cgroups
#   /var/lib/facteur-testbed   hidden (empty read-only tmpfs): VPSs don't see the bed's keys
set -euo pipefail
N=$1
S=$2
R=$3
NAME=facteur-vps-$N

# Our PID as the host sees it: /proc is still the host's procfs here, and a redirection of the
# `read` builtin is opened by this very shell.
read -r host_pid _ </proc/self/stat
printf '%s\n' "$host_pid" >"$R/init.hostpid"

HASH=$(cat "$S/password.hash")
NEWROOT=$S/rootfs

mount --make-rprivate /
mount -t overlay overlay -o "lowerdir=/,upperdir=$S/fs/upper,workdir=$S/fs/work" "$NEWROOT"
mount --rbind /dev "$NEWROOT/dev"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$NEWROOT/dev/shm"
mount --rbind /sys "$NEWROOT/sys"
mount -t proc -o nosuid,nodev,noexec proc "$NEWROOT/proc"
# Like docker does for containers: kernel-wide knobs read-only. /proc/sys/net belongs to the VPS's
# network namespace and stays writable (iptables, ip_forward, ...); /sys/fs/cgroup stays writable
# for the VPS dockerd.
mount --bind "$NEWROOT/proc/sys" "$NEWROOT/proc/sys"
mount --bind "$NEWROOT/proc/sys/net" "$NEWROOT/proc/sys/net"
mount -o remount,bind,ro "$NEWROOT/proc/sys"
if [[ -e $NEWROOT/proc/sysrq-trigger ]]; then
	mount --bind "$NEWROOT/proc/sysrq-trigger" "$NEWROOT/proc/sysrq-trigger"
	mount -o remount,bind,ro "$NEWROOT/proc/sysrq-trigger"
fi
mount -o remount,bind,ro "$NEWROOT/sys"
mount --bind "$S/run" "$NEWROOT/run"
mount --bind "$S/tmp" "$NEWROOT/tmp"
mount --bind "$S/home" "$NEWROOT/root"
mkdir -p "$NEWROOT/var/lib/facteur" "$NEWROOT/var/lib/docker"
mount --bind "$S/facteur" "$NEWROOT/var/lib/facteur"
mount --bind "$S/docker" "$NEWROOT/var/lib/docker"
# Hide the bed's state (keys and passwords of every VPS, the bed's docker data) from the VPS.
mount -t tmpfs -o ro,size=16k,mode=755 none "$NEWROOT${S%/*}"

# The VPS's /etc/ssh: our sshd_config and host key; the host machine's own host keys are hidden.
rm -f "$NEWROOT"/etc/ssh/ssh_host_*
install -m 600 "$S/ssh/ssh_host_ed25519_key" "$NEWROOT/etc/ssh/ssh_host_ed25519_key"
install -m 644 "$S/ssh/ssh_host_ed25519_key.pub" "$NEWROOT/etc/ssh/ssh_host_ed25519_key.pub"
install -m 644 "$S/sshd_config" "$NEWROOT/etc/ssh/sshd_config"

cd "$NEWROOT"
pivot_root . .
umount -l .
cd /

hostname "$NAME"
printf '%s\n' "$NAME" >/etc/hostname
printf '127.0.0.1\tlocalhost\n10.231.%s.2\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$N" "$NAME" >/etc/hosts
if [[ ! -f /etc/machine-id.facteur-vps ]]; then
	head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >/etc/machine-id
	echo >>/etc/machine-id
	: >/etc/machine-id.facteur-vps
fi
usermod -p "$HASH" root
mkdir -p /run/sshd /run/lock
chmod 755 /run/sshd
chmod 1777 /run/lock

set +e # from here on, PID 1 must not die on a failing command

# Each daemon runs in a small subshell that records its exit status, so vps.sh can tell at once
# when one of them failed to start.
{
	dockerd --bridge=none --iptables=false --cgroup-parent="/$NAME" </dev/null >/run/dockerd.log 2>&1 &
	echo $! >/run/dockerd.init.pid
	wait $!
	echo $? >/run/dockerd.exit
} &
{
	/usr/sbin/sshd -D -f /etc/ssh/sshd_config -E /run/sshd.log </dev/null >/dev/null 2>&1 &
	echo $! >/run/sshd.init.pid
	wait $!
	echo $? >/run/sshd.exit
} &

shutdown() {
	trap - TERM INT
	local sshd_pid dockerd_pid
	sshd_pid=$(cat /run/sshd.init.pid 2>/dev/null)
	dockerd_pid=$(cat /run/dockerd.init.pid 2>/dev/null)
	[[ -n $sshd_pid ]] && kill -TERM "$sshd_pid" 2>/dev/null
	if [[ -n $dockerd_pid ]] && kill -0 "$dockerd_pid" 2>/dev/null; then
		kill -TERM "$dockerd_pid"
		# dockerd is not our child (its subshell is): poll. vps.sh down cuts this short anyway.
		for ((i = 0; i < 300; i++)); do
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	exit 0
}
trap shutdown TERM INT

# Reap orphans (bash reaps any child on SIGCHLD) and wait for SIGTERM.
while :; do
	sleep 3600 &
	wait $!
done
