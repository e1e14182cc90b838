#!/bin/sh
# /init of the t/kernel guest (busybox). Loads Debian's netfilter modules and ours, runs
# the checks and prints one "RESULT <name> PASS|FAIL <detail>" line per check on the
# serial console, then powers off. t/kernel/test_kernel.py reads the lines.
. /common.sh
guest_setup

res() { echo "RESULT $1 $2 $3"; }
check() { # name, detail, command...
    name=$1; detail=$2; shift 2
    if "$@"; then res "$name" PASS "$detail"; else res "$name" FAIL "$detail"; fi
}
# iptables-save output without comments and counters, for comparing (a script, so that
# the `sh -c` of check() finds it too)
printf '#!/bin/sh\ngrep -v "^#" | sed "s/\\[[0-9]*:[0-9]*\\]//"\n' > /bin/norm
chmod 755 /bin/norm

echo "GUEST START $(uname -r)"
ip link set lo up
ip -6 addr add fd00::1/128 dev lo
ip -6 addr add fd00::2/128 dev lo
sleep 1

for m in $(cat /modules.list); do
    insmod "/modules/$m" || echo "insmod $m failed"
done

# ---- the module and its /proc tree ----
if insmod /xt_RTPENGINE.ko proc_uid=1234 proc_gid=4321 proc_mask=0x7 && [ -d /proc/rtpengine ]; then
    res module_load PASS "xt_RTPENGINE loaded with proc_uid=1234 proc_gid=4321 proc_mask=0x7"
else
    res module_load FAIL "insmod failed: $(dmesg | tail -3)"
fi
ktest perms 1234 4321 7
ktest tables
ktest badwrites

# ---- iptables-legacy ----
for v in "" 6; do
    ip${v}tables-legacy -P INPUT DROP
    ip${v}tables-legacy -A INPUT -i lo -j ACCEPT
    ip${v}tables-legacy -A INPUT -p tcp --dport 9 -j ACCEPT
    ip${v}tables-legacy-save | norm > /tmp/legacy$v.before
done
check legacy_insert_rule "iptables-legacy and ip6tables-legacy -I INPUT -p udp -j RTPENGINE --id 0" \
    sh -c 'iptables-legacy -I INPUT -p udp -j RTPENGINE --id 0 && ip6tables-legacy -I INPUT -p udp -j RTPENGINE --id 0'
check legacy_save_shows_rule "iptables-legacy-save and ip6tables-legacy-save print -A INPUT -p udp -j RTPENGINE --id 0" \
    sh -c 'iptables-legacy-save | grep -qx -- "-A INPUT -p udp -j RTPENGINE --id 0" && ip6tables-legacy-save | grep -qx -- "-A INPUT -p udp -j RTPENGINE --id 0"'
check legacy_list_shows_rule "iptables-legacy -L prints RTPENGINE id:0" \
    sh -c 'iptables-legacy -n -L INPUT | grep -q "RTPENGINE .*id:0"'

ktest forward 0
ktest stress 0 4
# in-kernel SRTP/SRTCP against the host's known answers (t/kernel/srtp_vectors.py)
ktest srtp 0 /srtp_vectors.txt

iptables-legacy-save > /tmp/s1; ip6tables-legacy-save > /tmp/s1v6
norm < /tmp/s1 > /tmp/s1.n; norm < /tmp/s1v6 > /tmp/s1v6.n
iptables-legacy -F INPUT; ip6tables-legacy -F INPUT
iptables-legacy-restore < /tmp/s1; ip6tables-legacy-restore < /tmp/s1v6
check legacy_save_restore "iptables-legacy-save | iptables-legacy-restore gives the same rules back (v4 and v6)" \
    sh -c 'iptables-legacy-save | norm | cmp -s - /tmp/s1.n && ip6tables-legacy-save | norm | cmp -s - /tmp/s1v6.n && grep -q RTPENGINE /tmp/s1.n'
ktest quick 0 legacy_restored

check rule_bad_id "--id 64, --id x and a missing --id are refused" \
    sh -c '! iptables-legacy -I INPUT -p udp -j RTPENGINE --id 64 2>/dev/null && ! iptables-legacy -I INPUT -p udp -j RTPENGINE --id x 2>/dev/null && ! iptables-legacy -I INPUT -p udp -j RTPENGINE 2>/dev/null'
check rule_only_input "the target is refused outside INPUT (OUTPUT chain)" \
    sh -c '! iptables-legacy -I OUTPUT -p udp -j RTPENGINE --id 0 2>/dev/null'

iptables-legacy -D INPUT -p udp -j RTPENGINE --id 0
ip6tables-legacy -D INPUT -p udp -j RTPENGINE --id 0
check legacy_chain_unchanged "after the rule is removed, INPUT has its DROP policy and the other rules as before (v4 and v6)" \
    sh -c 'iptables-legacy-save | norm | cmp -s - /tmp/legacy.before && ip6tables-legacy-save | norm | cmp -s - /tmp/legacy6.before && grep -q "^:INPUT DROP" /tmp/legacy.before'
for v in "" 6; do
    ip${v}tables-legacy -F INPUT
    ip${v}tables-legacy -P INPUT ACCEPT
done

check help_output "iptables -j RTPENGINE --help (legacy and nft, v4 and v6) describes --id" \
    sh -c 'for b in iptables-legacy ip6tables-legacy iptables-nft ip6tables-nft; do $b -j RTPENGINE --help | grep -q -- "--id <table>" || exit 1; done'

# ---- iptables-nft ----
for v in "" 6; do
    ip${v}tables-nft -P INPUT DROP
    ip${v}tables-nft -A INPUT -i lo -j ACCEPT
    ip${v}tables-nft -A INPUT -p tcp --dport 9 -j ACCEPT
    ip${v}tables-nft-save | norm > /tmp/nft$v.before
done
check nft_insert_rule "iptables-nft and ip6tables-nft -I INPUT -p udp -j RTPENGINE --id 0" \
    sh -c 'iptables-nft -I INPUT -p udp -j RTPENGINE --id 0 && ip6tables-nft -I INPUT -p udp -j RTPENGINE --id 0'
check nft_save_shows_rule "iptables-nft-save and ip6tables-nft-save print -A INPUT -p udp -j RTPENGINE --id 0" \
    sh -c 'iptables-nft-save | grep -qx -- "-A INPUT -p udp -j RTPENGINE --id 0" && ip6tables-nft-save | grep -qx -- "-A INPUT -p udp -j RTPENGINE --id 0"'
ktest quick 0 nft
iptables-nft-save > /tmp/n1; ip6tables-nft-save > /tmp/n1v6
norm < /tmp/n1 > /tmp/n1.n; norm < /tmp/n1v6 > /tmp/n1v6.n
iptables-nft -F INPUT; ip6tables-nft -F INPUT
iptables-nft-restore < /tmp/n1; ip6tables-nft-restore < /tmp/n1v6
check nft_save_restore "iptables-nft-save | iptables-nft-restore gives the same rules back (v4 and v6)" \
    sh -c 'iptables-nft-save | norm | cmp -s - /tmp/n1.n && ip6tables-nft-save | norm | cmp -s - /tmp/n1v6.n && grep -q RTPENGINE /tmp/n1.n'
ktest quick 0 nft_restored

check rmmod_refused_in_use "rmmod is refused while a rule uses the target" sh -c '! rmmod xt_RTPENGINE 2>/dev/null && [ -d /proc/rtpengine ]'

iptables-nft -D INPUT -p udp -j RTPENGINE --id 0
ip6tables-nft -D INPUT -p udp -j RTPENGINE --id 0
check nft_chain_unchanged "after the rule is removed, INPUT has its DROP policy and the other rules as before (v4 and v6)" \
    sh -c 'iptables-nft-save | norm | cmp -s - /tmp/nft.before && ip6tables-nft-save | norm | cmp -s - /tmp/nft6.before && grep -q "^:INPUT DROP" /tmp/nft.before'
for v in "" 6; do
    ip${v}tables-nft -F INPUT
    ip${v}tables-nft -P INPUT ACCEPT
done

# ---- unload with live tables, targets and an open control file ----
ktest populate 5
echo "add 6" > /proc/rtpengine/control
( exec 3>>/proc/rtpengine/6/control; exec sleep 600 ) &
holder=$!
sleep 1
check rmmod_live_tables "rmmod with tables 0, 5 (200 targets) and 6 (control file held open by pid $holder)" \
    sh -c 'grep -q "Control PID: [1-9]" /proc/rtpengine/6/status && rmmod xt_RTPENGINE && [ ! -e /proc/rtpengine ] && ! grep -q "^xt_RTPENGINE " /proc/modules'
kill $holder 2>/dev/null
wait $holder 2>/dev/null

if insmod /xt_RTPENGINE.ko max_tables=4; then
    ktest maxtables 4
    rmmod xt_RTPENGINE
else
    res max_tables_param FAIL "insmod max_tables=4 failed"
fi
check module_param_invalid "insmod max_tables=0 is refused" sh -c '! insmod /xt_RTPENGINE.ko max_tables=0 2>/dev/null'
check module_reload "load and unload again after everything" sh -c 'insmod /xt_RTPENGINE.ko && echo "add 1" > /proc/rtpengine/control && rmmod xt_RTPENGINE'

# ---- our daemon and its table (--table, --no-fallback) ----
# dstop SIGNAL: signals $dpid, waits, leaves its exit code in $drc
dstop() { kill -$1 $dpid; wait $dpid; drc=$?; }
# the daemon exits by itself (refusing to start): its exit code in $drc
drefused() { dlog=$1; shift; timeout 60 rtpengine --config-file=none -i 127.0.0.1 --foreground --log-stderr "$@" > "$dlog" 2>&1; drc=$?; }
dtail() { tail -3 "$1" | tr '\n' ' '; }

insmod /xt_RTPENGINE.ko
if dstart /tmp/d1.log --table=0 --no-fallback -n 127.0.0.1:2223; then d1=$dpid; else d1=; fi
check daemon_starts_with_table "rtpengine --table=0 --no-fallback started (pid $d1): $(dtail /tmp/d1.log)" \
    sh -c "[ -n '$d1' ] && grep -q 'Kernel forwarding table 0 set up' /tmp/d1.log"
check daemon_holds_table "/proc/rtpengine/0 exists, listed, status names the daemon as its owner: $(tr '\n' ' ' < /proc/rtpengine/0/status 2>/dev/null)" \
    sh -c "[ -d /proc/rtpengine/0 ] && grep -qx 0 /proc/rtpengine/list && grep -Eqx 'Control PID: *$d1' /proc/rtpengine/0/status && grep -Eqx 'Targets: *0' /proc/rtpengine/0/status"
ktest ngping 2223 daemon_answers_ng
drefused /tmp/d2.log --table=0 --no-fallback -n 127.0.0.1:2224
check daemon_second_refused "a second daemon on table 0 with --no-fallback exits 1 naming the owner (exit $drc): $(dtail /tmp/d2.log)" \
    sh -c "[ $drc = 1 ] && grep -q 'kernel table 0 is in use by process $d1' /tmp/d2.log && grep -q 'no-fallback' /tmp/d2.log"
check daemon_table_survives_second "the refused daemon left table 0 to its owner" \
    sh -c "grep -Eqx 'Control PID: *$d1' /proc/rtpengine/0/status"
drefused /tmp/d6.log --table=64 --no-fallback -n 127.0.0.1:2224
check daemon_table_out_of_range "--table=64 (the module has 0..63) is refused with the range (exit $drc): $(dtail /tmp/d6.log)" \
    sh -c "[ $drc = 1 ] && grep -q \"write 'del 64' to /proc/rtpengine/control: Invalid argument (the module numbers its tables 0 to max_tables-1\" /tmp/d6.log"
[ -n "$d1" ] && dstop 9
check daemon_killed_leaves_table "after kill -9 table 0 stays, owned by nobody" \
    sh -c "[ -d /proc/rtpengine/0 ] && grep -Eqx 'Control PID: *0' /proc/rtpengine/0/status"
ktest fill 0 10 daemon_stale_filled
if dstart /tmp/d3.log --table=0 --no-fallback -n 127.0.0.1:2223; then d3=$dpid; else d3=; fi
check daemon_reclaims_stale_table "the next daemon (pid $d3) takes the stale table 0 over, cleared: $(tr '\n' ' ' < /proc/rtpengine/0/status 2>/dev/null) $(dtail /tmp/d3.log)" \
    sh -c "[ -n '$d3' ] && grep -Eqx 'Control PID: *$d3' /proc/rtpengine/0/status && grep -Eqx 'Targets: *0' /proc/rtpengine/0/status"
ktest ngping 2223 daemon_reclaimed_answers_ng
drc=x
[ -n "$d3" ] && dstop TERM
check daemon_sigterm_deletes_table "after SIGTERM the daemon exits 0 (exit $drc) and table 0 is gone" \
    sh -c "[ '$drc' = 0 ] && [ ! -e /proc/rtpengine/0 ] && ! grep -qx 0 /proc/rtpengine/list"
# ---- streams offloaded into the table: a plain call through the daemon ----
iptables-legacy -I INPUT -p udp -j RTPENGINE --id 0
if dstart /tmp/d7.log --table=0 --no-fallback -n 127.0.0.1:2226 -m 31000 -M 31100; then d7=$dpid; else d7=; fi
ktest offload 2226 0
check offload_rule_missing_logged "the daemon said once that the rule is missing, and that the kernel forwards again: $(grep -c 'is the firewall rule' /tmp/d7.log) $(grep -c 'forwards again' /tmp/d7.log)" \
    sh -c "[ \$(grep -c 'Kernel forwarding table 0 forwards nothing while .* is the firewall rule .iptables -I INPUT -p udp -j RTPENGINE --id 0' /tmp/d7.log) = 1 ] && grep -q 'Kernel forwarding table 0 forwards again' /tmp/d7.log"
ktest srtpcall 2226 0 /srtp_call.txt
ktest muxcall 2226 0
drc=x
[ -n "$d7" ] && dstop TERM
check daemon_offload_exits "the offloading daemon exits 0 and its table is gone (exit $drc): $(dtail /tmp/d7.log)" \
    sh -c "[ '$drc' = 0 ] && [ ! -e /proc/rtpengine/0 ]"
iptables-legacy -D INPUT -p udp -j RTPENGINE --id 0

# ---- the module unloaded under a daemon that has a call in the kernel ----
iptables-legacy -I INPUT -p udp -j RTPENGINE --id 0
if dstart /tmp/d9.log --table=0 -n 127.0.0.1:2228 -m 31300 -M 31399; then d9=$dpid; else d9=; fi
ktest unload 2228 0
drc=x
[ -n "$d9" ] && dstop TERM
check unload_daemon_exits "after its module went, the daemon exits 0 on SIGTERM (exit $drc) having said once that kernel forwarding failed ($(grep -c 'Kernel forwarding failed' /tmp/d9.log)): $(dtail /tmp/d9.log)" \
    sh -c "[ '$drc' = 0 ] && [ \$(grep -c 'Kernel forwarding failed' /tmp/d9.log) = 1 ]"
insmod /xt_RTPENGINE.ko

# ---- --iptables-chain: an ACCEPT rule per open media port, nothing else touched ----
iptables-legacy -N rtpe-ports; ip6tables-legacy -N rtpe-ports
iptables-legacy -A rtpe-ports -p tcp --dport 9 -j DROP   # a leftover: flushed at start
iptables-legacy -P INPUT ACCEPT; iptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT
iptables-legacy-save | grep -v -e '^#' -e '^:' -e 'rtpe-ports' | sed 's/\[[0-9:]*\]//' > /tmp/fw-before
if dstart /tmp/d8.log --table=-1 -n 127.0.0.1:2227 -m 31200 -M 31299 --iptables-chain=rtpe-ports; then d8=$dpid; else d8=; fi
check chain_flushed_at_start "the chain is flushed at start: $(iptables-legacy -S rtpe-ports | tr '\n' ' ') $(dtail /tmp/d8.log)" \
    sh -c "[ -n '$d8' ] && [ \"\$(iptables-legacy -S rtpe-ports)\" = '-N rtpe-ports' ]"
ktest call 2227 fw-call chain_call_set_up
check chain_rule_per_port "4 rules: UDP to 127.0.0.1 and each of the call's ports, comment = call id: $(iptables-legacy -S rtpe-ports | tr '\n' ' ')" \
    sh -c "[ \$(iptables-legacy -S rtpe-ports | grep -Ec -- '^-A rtpe-ports -d 127.0.0.1/32 -p udp -m udp --dport 312[0-9][0-9] -m comment --comment fw-call -j ACCEPT\$') = 4 ] && [ \$(iptables-legacy -S rtpe-ports | wc -l) = 5 ]"
ktest delete 2227 fw-call chain_call_deleted
i=0; while [ $i -lt 50 ] && [ "$(iptables-legacy -S rtpe-ports)" != '-N rtpe-ports' ]; do usleep 100000; i=$((i + 1)); done
check chain_rules_removed "the rules go with the ports: $(iptables-legacy -S rtpe-ports | tr '\n' ' ')" \
    sh -c "[ \"\$(iptables-legacy -S rtpe-ports)\" = '-N rtpe-ports' ]"
iptables-legacy-save | grep -v -e '^#' -e '^:' -e 'rtpe-ports' | sed 's/\[[0-9:]*\]//' > /tmp/fw-after
check chain_nothing_else_touched "other chains, rules and policies as they were" \
    sh -c "cmp -s /tmp/fw-before /tmp/fw-after && iptables-legacy -S INPUT | grep -qx -- '-P INPUT ACCEPT'"
drc=x
[ -n "$d8" ] && dstop TERM
check chain_daemon_exits "the daemon with --iptables-chain exits 0 (exit $drc)" sh -c "[ '$drc' = 0 ]"
iptables-legacy -D INPUT -p tcp --dport 22 -j ACCEPT; iptables-legacy -X rtpe-ports; ip6tables-legacy -X rtpe-ports

check daemon_logs_clean "no warning or error in the logs of the daemons that ran (but the missing rule's): $(grep -hE 'WARNING: |ERR: |CRIT: ' /tmp/d1.log /tmp/d3.log /tmp/d7.log /tmp/d8.log | grep -v 'is the firewall rule' | head -2)" \
    sh -c "! grep -hE 'WARNING: |ERR: |CRIT: ' /tmp/d1.log /tmp/d3.log /tmp/d7.log /tmp/d8.log | grep -v 'is the firewall rule' | grep -q ."
check daemon_module_unloads "rmmod xt_RTPENGINE after the daemon exited" \
    sh -c "rmmod xt_RTPENGINE && [ ! -e /proc/rtpengine ]"

drefused /tmp/d4.log --table=0 --no-fallback -n 127.0.0.1:2223
check daemon_no_module_refused "without the module --no-fallback refuses to start (exit $drc): $(dtail /tmp/d4.log)" \
    sh -c "[ $drc = 1 ] && grep -q 'open /proc/rtpengine/control: No such file or directory' /tmp/d4.log && grep -q 'fallback disallowed' /tmp/d4.log && ! grep -q 'Startup complete' /tmp/d4.log"
if dstart /tmp/d5.log --table=0 -n 127.0.0.1:2223; then d5=$dpid; else d5=; fi
check daemon_no_module_fallback "without the module and --no-fallback it runs in userspace with one warning: $(dtail /tmp/d5.log)" \
    sh -c "[ -n '$d5' ] && [ \$(grep -c WARNING /tmp/d5.log) = 1 ] && grep -q 'Kernel forwarding disabled, continuing in userspace only' /tmp/d5.log"
ktest ngping 2223 daemon_fallback_answers_ng
drc=x
[ -n "$d5" ] && dstop TERM
check daemon_fallback_exits "the userspace daemon exits 0 on SIGTERM (exit $drc)" sh -c "[ '$drc' = 0 ]"

bad=$(dmesg | grep -E 'BUG|WARNING|Oops|general protection|Call Trace|RIP:|refcount_t|use-after-free|list_del corruption' | head -3 | tr '\n' ' ')
if [ -z "$bad" ]; then
    res dmesg_clean PASS "no BUG, WARNING, Oops or call trace in the kernel log"
else
    res dmesg_clean FAIL "$bad"
fi
echo "--- dmesg (xt_RTPENGINE) ---"
dmesg | grep -i rtpengine | tail -20
echo "GUEST END"
poweroff -f
