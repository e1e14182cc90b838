"""t/kernel: xt_RTPENGINE and libxt_RTPENGINE in Debian's kernel under qemu.

The guest (guest/init.sh running guest/ktest.c) prints one RESULT line per check; each
name below is one test here, and a line that never came is a failure."""
import os
import subprocess

import pytest

import harness
import srtp_vectors

GUEST_CHECKS = [
    # the module, /proc and the module parameters
    "module_load", "proc_main_files", "proc_table_files",
    # /proc/rtpengine/control and the tables
    "tables_add_del", "tables_bad_commands", "table_owner_busy_reclaim", "status_file",
    # malformed control messages
    "bad_write_size", "bad_write_fields", "bad_write_missing_duplicate", "blist_short_read",
    "bad_write_garbage", "bad_write_no_table",
    # iptables-legacy
    "legacy_insert_rule", "legacy_save_shows_rule", "legacy_list_shows_rule",
    # forwarding, checks and counters (through the legacy rule)
    "fwd_ipv4_to_ipv4", "fwd_ipv6_to_ipv6", "fwd_ipv4_to_ipv6", "fwd_ipv6_to_ipv4",
    "blist_record", "list_text", "expected_source_mismatch", "target_update", "tos", "target_delete",
    "target_delete_record",
    "payload_type_filter", "ssrc_check", "rtp_only", "rtcp_target", "error_counter", "no_target_passthrough",
    "bad_udp_checksum", "stress_churn",
    # in-kernel SRTP and SRTCP, byte-exact against srtp_vectors.py's known answers
    "srtp_vectors_loaded", "srtp_blist_list", "srtp_bad_params", "srtp_churn",
] + [name for name in srtp_vectors.case_names()] + [
    "legacy_save_restore", "legacy_restored_fwd_ipv4_to_ipv4", "legacy_restored_fwd_ipv6_to_ipv6",
    "rule_bad_id", "rule_only_input", "legacy_chain_unchanged", "help_output",
    # iptables-nft (nf_tables + nft_compat)
    "nft_insert_rule", "nft_save_shows_rule", "nft_fwd_ipv4_to_ipv4", "nft_fwd_ipv6_to_ipv6",
    "nft_save_restore", "nft_restored_fwd_ipv4_to_ipv4", "nft_restored_fwd_ipv6_to_ipv6",
    "rmmod_refused_in_use", "nft_chain_unchanged",
    # unloading
    "populate", "rmmod_live_tables", "max_tables_param", "module_param_invalid", "module_reload",
    # our daemon: --table and --no-fallback
    "daemon_starts_with_table", "daemon_holds_table", "daemon_answers_ng", "daemon_second_refused",
    "daemon_table_survives_second", "daemon_table_out_of_range", "daemon_killed_leaves_table", "daemon_stale_filled",
    "daemon_reclaims_stale_table", "daemon_reclaimed_answers_ng", "daemon_sigterm_deletes_table",
    # our daemon pushing a plain call's streams into its table
    "offload_call_set_up", "offload_userspace_first", "offload_targets_pushed", "offload_media_flows",
    "offload_kernel_forwarded", "offload_counted_in_query", "offload_rule_removed_userspace",
    "offload_rule_back_kernel", "offload_reinvite_moves", "offload_delete_clears",
    "offload_statistics_kernel_share", "offload_rule_missing_logged",
    # an SDES-SRTP <-> RTP call: in-kernel SRTP with the daemon's keys and where it stood
    "srtpcall_set_up", "srtpcall_userspace_first", "srtpcall_targets_pushed", "srtpcall_kernel_forwards",
    "srtpcall_userspace_flat", "srtpcall_counted_in_query", "srtpcall_delete_clears",
    # rtcp-mux on one side
    "muxcall_set_up", "muxcall_kernel", "muxcall_media",
    "daemon_offload_exits",
    # the module unloaded under the daemon
    "unload_media_goes_on", "unload_daemon_serves", "unload_daemon_exits",
    # --iptables-chain
    "chain_flushed_at_start", "chain_call_set_up", "chain_rule_per_port", "chain_call_deleted", "chain_rules_removed",
    "chain_nothing_else_touched", "chain_daemon_exits",
    "daemon_logs_clean", "daemon_module_unloads", "daemon_no_module_refused", "daemon_no_module_fallback",
    "daemon_fallback_answers_ng", "daemon_fallback_exits",
    "dmesg_clean",
]


def _console_tail(guest, lines=60):
    return "\n".join(guest.get("console", "").splitlines()[-lines:])


def _require(guest):
    if "error" in guest:
        pytest.fail("kernel harness: " + guest["error"], pytrace=False)


def test_module_builds_warning_free(guest):
    _require(guest)
    built = guest["built"]
    warnings = [l for l in built["kmod_log"].splitlines() if "warning:" in l.lower()]
    assert not warnings, "\n".join(warnings)
    assert built["vermagic"].split()[0] == built["kver"], built["vermagic"]


def test_plugin_and_guest_program_build_warning_free(guest):
    _require(guest)
    built = guest["built"]
    for log in (built["plugin_log"], built["ktest_log"]):
        warnings = [l for l in log.splitlines() if "warning:" in l.lower()]
        assert not warnings, "\n".join(warnings)


def test_abi_header_is_plain_c_and_cxx(tmp_path):
    inc = os.path.join(harness.REPO, "kernel-module")
    src = tmp_path / "abi.c"
    src.write_text('#include "rtpengine_kernel_abi.h"\nint main(void) { return sizeof(struct rtpe_kmsg) != 448; }\n')
    for compiler, std, name in (("gcc", "-std=c11", "abi.c"), ("g++", "-std=c++17", "abi.cpp")):
        path = tmp_path / name
        path.write_text(src.read_text())
        out = tmp_path / ("a-" + compiler)
        p = subprocess.run([compiler, std, "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-I", inc, "-o", str(out),
                            str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert p.returncode == 0, p.stdout
        assert subprocess.run([str(out)]).returncode == 0


def test_srtp_vectors_match_the_rfcs():
    """The generator's transforms reproduce RFC 3711 B.2/B.3, RFC 6188 and libsrtp's known
    answer before they are trusted as the guest's expectations."""
    srtp_vectors.self_test()
    assert len(srtp_vectors.case_names()) >= 15


def test_guest_booted_and_finished(guest):
    _require(guest)
    assert not guest["timed_out"], "guest did not finish within %ds:\n%s" % (harness.BOOT_TIMEOUT, _console_tail(guest))
    assert "GUEST START" in guest["console"], _console_tail(guest)
    assert "GUEST END" in guest["console"], _console_tail(guest)
    assert "Kernel panic" not in guest["console"], _console_tail(guest)


def test_guest_reports_only_known_checks(guest):
    _require(guest)
    unknown = sorted(set(guest["results"]) - set(GUEST_CHECKS))
    assert not unknown, "the guest printed checks this file does not list: %s" % unknown


@pytest.mark.parametrize("name", GUEST_CHECKS)
def test_guest(guest, name):
    _require(guest)
    if name not in guest["results"]:
        pytest.fail("no RESULT line for %s (%s, %.0fs); console tail:\n%s" % (
            name, "timed out" if guest["timed_out"] else "finished", guest["seconds"], _console_tail(guest)),
            pytrace=False)
    verdict, detail = guest["results"][name]
    assert verdict == "PASS", "%s: %s" % (name, detail)


def test_srtp_call_sends_srtp_with_the_answered_key(guest):
    """What the SRTP offerer received in `ktest srtpcall` (printed on the console) is the
    plain answerer's packets protected with the key the daemon answered it with: in
    userspace first, then by the kernel across the rollover (ROC 1)."""
    _require(guest)
    ok, wrapped, problems = srtp_vectors.call_check(guest["console"])
    assert not problems, "\n".join(problems[:5])
    assert ok >= 10 and wrapped >= 3, "verified %d packets, %d after the rollover" % (ok, wrapped)
