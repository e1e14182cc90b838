#!/bin/sh
# /init of the kernel forwarding benchmark's guest (t/bench/kernel_bench.py boots it
# instead of init.sh). Loads Debian's netfilter modules and ours, then runs ROUNDS rounds
# of three phases with the same offered load (kbench, t/kernel/guest/kbench.c):
#   user    our daemon with --table=-1: the userspace relay
#   kernel  our daemon with --table=0 --no-fallback and -j RTPENGINE --id 0 in INPUT: the
#           streams are pushed into the kernel after the warm-up and forwarded there
#   sink    no relay: the same packets straight from sender to receiver (the baseline)
# The order flips every round. kbench prints "KBENCH ..." lines on the serial console;
# the host computes the figures. Parameters come from /bench.conf (written by the host).
. /common.sh
guest_setup

ROUNDS=7; CALLS=10; RATE=5000; DURATION=8; NGPORT=2230
[ -f /bench.conf ] && . /bench.conf

echo "KBENCH START $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) rounds=$ROUNDS calls=$CALLS rate=$RATE seconds=$DURATION"
ip link set lo up
for m in $(cat /modules.list); do
    insmod "/modules/$m" || echo "KBENCH ERROR insmod $m failed"
done
insmod /xt_RTPENGINE.ko || echo "KBENCH ERROR insmod xt_RTPENGINE failed"
# Receive buffers large enough that the 5 ms bursts never overflow a queue (kbench asks
# for 4 MB on its sockets; the daemon's sockets get the default). The same in every phase.
echo 4194304 > /proc/sys/net/core/rmem_max
echo 1048576 > /proc/sys/net/core/rmem_default

DSTART_ARGS="-n 127.0.0.1:$NGPORT -m 30000 -M 39999 --num-threads=1 --delete-delay=0"
dstop() { kill -TERM $dpid; wait $dpid; }

phase() { # mode round
    case $1 in
    sink)
        kbench sink $2 $CALLS $RATE $DURATION ;;
    user)
        if dstart /tmp/user$2.log --table=-1; then
            kbench user $2 $CALLS $RATE $DURATION $NGPORT $dpid
            dstop
        else
            echo "KBENCH ERROR mode=user round=$2 the daemon did not start: $(tail -3 /tmp/user$2.log | tr '\n' ' ')"
        fi ;;
    kernel)
        iptables-legacy -I INPUT -p udp -j RTPENGINE --id 0
        if dstart /tmp/kernel$2.log --table=0 --no-fallback; then
            kbench kernel $2 $CALLS $RATE $DURATION $NGPORT $dpid 0
            dstop
        else
            echo "KBENCH ERROR mode=kernel round=$2 the daemon did not start: $(tail -3 /tmp/kernel$2.log | tr '\n' ' ')"
        fi
        iptables-legacy -D INPUT -p udp -j RTPENGINE --id 0 ;;
    esac
}

r=1
while [ $r -le $ROUNDS ]; do
    if [ $((r % 2)) = 1 ]; then order="user kernel sink"; else order="sink kernel user"; fi
    for mode in $order; do
        phase $mode $r
    done
    r=$((r + 1))
done

for f in /tmp/user*.log /tmp/kernel*.log; do
    [ -f "$f" ] && grep -E 'WARNING: |ERR: |CRIT: ' "$f" | head -5 | sed "s|^|KBENCH DAEMONLOG $(basename $f) |"
done
dmesg | grep -E 'BUG|WARNING|Oops|Call Trace' | head -3 | sed 's/^/KBENCH DMESG /'
echo "KBENCH END"
poweroff -f
