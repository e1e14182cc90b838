# Sourced by the guest's /init scripts (init.sh, bench.sh).

# The file systems and environment every guest run starts with.
guest_setup() {
    export PATH=/bin:/sbin:/usr/bin:/usr/sbin
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev 2>/dev/null
    mkdir -p /tmp /run
    mount -t tmpfs tmpfs /tmp
    export XTABLES_LIBDIR=/usr/lib/xtables
}

# Our daemon in the background.
# dstart LOG ARGS...: starts it ($dpid) with ARGS after the options every guest run needs
# (DSTART_ARGS adds the caller's own); 0 once it logged "Startup complete", 1 if it died
# or took a minute.
dstart() {
    dlog=$1; shift
    # shellcheck disable=SC2086  # DSTART_ARGS is a list of words
    rtpengine --config-file=none -i 127.0.0.1 --foreground --log-stderr $DSTART_ARGS "$@" > "$dlog" 2>&1 &
    dpid=$!
    i=0
    while [ $i -lt 600 ]; do
        grep -q "Startup complete" "$dlog" && return 0
        kill -0 $dpid 2>/dev/null || return 1
        usleep 100000; i=$((i + 1))
    done
    return 1
}
