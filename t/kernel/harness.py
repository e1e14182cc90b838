"""Builds xt_RTPENGINE.ko, libxt_RTPENGINE.so and the guest test program, fetches Debian's
kernel (the ABI of the installed linux-headers-amd64) without installing it, packs a
busybox initramfs and boots it in qemu-system-x86_64. The guest (guest/init.sh,
guest/ktest.c) prints "RESULT <name> PASS|FAIL <detail>" lines on the serial console.

Nothing here is installed on or loaded into the host kernel. Every missing tool or
failed step raises HarnessError, which the tests report as a failure.
"""
import glob
import os
import re
import shutil
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# The daemon the guest runs: the build t/run_all.py names (--build-dir), else build/.
BUILD_DIR = os.environ.get("RTPE_BUILD_DIR", os.path.join(REPO, "build"))
CACHE = os.environ.get("RTPE_KERNEL_CACHE", "/var/tmp/rtpe-kernel-cache")
BOOT_TIMEOUT = int(os.environ.get("RTPE_KERNEL_BOOT_TIMEOUT", "300"))

# Debian modules the guest loads; modules.dep adds what they need and decides the order
# (crc32c_generic is libcrc32c's soft dependency, which modules.dep does not list).
GUEST_MODULES = ["x_tables", "ip_tables", "ip6_tables", "iptable_filter", "ip6table_filter",
                 "xt_tcpudp", "xt_comment", "nfnetlink", "crc32c_generic", "libcrc32c", "nf_tables", "nft_compat"]

XTABLES_LINKS = {
    "xtables-legacy-multi": ["iptables-legacy", "iptables-legacy-save", "iptables-legacy-restore",
                             "ip6tables-legacy", "ip6tables-legacy-save", "ip6tables-legacy-restore"],
    "xtables-nft-multi": ["iptables-nft", "iptables-nft-save", "iptables-nft-restore",
                          "ip6tables-nft", "ip6tables-nft-save", "ip6tables-nft-restore"],
}


class HarnessError(Exception):
    pass


def run(cmd, cwd=None, env=None, timeout=600):
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", timeout=timeout)
    except FileNotFoundError as e:
        raise HarnessError("missing tool: %s" % e)
    if p.returncode != 0:
        raise HarnessError("%s failed (exit %d):\n%s" % (" ".join(cmd), p.returncode, p.stdout[-4000:]))
    return p.stdout


def need(path, what):
    if not os.path.exists(path):
        raise HarnessError("%s not found at %s (scripts/install-deps.sh --test installs it)" % (what, path))
    return path


def kernel_version():
    """The kernel ABI linux-headers-amd64 points at, e.g. 6.1.0-57-amd64."""
    out = run(["dpkg-query", "-W", "-f", "${Depends}", "linux-headers-amd64"])
    m = re.search(r"linux-headers-(\S+-amd64)", out)
    if not m:
        raise HarnessError("cannot tell the kernel ABI from linux-headers-amd64's Depends: %r" % out)
    kver = m.group(1)
    need("/usr/src/linux-headers-%s" % kver, "kernel headers")
    return kver


def build(work):
    """Builds the module, the plugin and the guest program from a copy of the sources in
    `work`, so a build is always a full one and its warnings are seen."""
    kver = kernel_version()
    src = os.path.join(work, "src")
    shutil.rmtree(src, ignore_errors=True)
    for d in ("kernel-module", "iptables-extension"):
        shutil.copytree(os.path.join(REPO, d), os.path.join(src, d),
                        ignore=shutil.ignore_patterns("*.o", "*.ko", "*.so", "*.mod*", ".*.cmd", "Module.symvers",
                                                      "modules.order"))
    kmod_log = run(["make", "-C", os.path.join(src, "kernel-module"),
                    "KSRC=/usr/src/linux-headers-%s" % kver])
    ko = need(os.path.join(src, "kernel-module", "xt_RTPENGINE.ko"), "built module")
    plugin_log = run(["make", "-C", os.path.join(src, "iptables-extension")])
    so = need(os.path.join(src, "iptables-extension", "libxt_RTPENGINE.so"), "built plugin")
    ktest = os.path.join(work, "ktest")
    ktest_log = run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter",
                     "-Wno-format-truncation", "-I" + os.path.join(REPO, "kernel-module"), "-o", ktest,
                     os.path.join(HERE, "guest", "ktest.c")])
    vermagic = run(["modinfo", "-F", "vermagic", ko]).strip()
    return {"kver": kver, "ko": ko, "plugin": so, "ktest": ktest, "kmod_log": kmod_log,
            "plugin_log": plugin_log, "ktest_log": ktest_log, "vermagic": vermagic}


def fetch_kernel(kver):
    """Debian's linux-image-<kver>, downloaded (not installed) and unpacked in CACHE."""
    os.makedirs(CACHE, exist_ok=True)
    root = os.path.join(CACHE, "linux-image-" + kver)
    vmlinuz = os.path.join(root, "boot", "vmlinuz-" + kver)
    moddir = os.path.join(root, "lib", "modules", kver)
    if os.path.exists(vmlinuz) and os.path.exists(os.path.join(moddir, "modules.dep")):
        return vmlinuz, moddir
    debs = glob.glob(os.path.join(CACHE, "linux-image-%s_*.deb" % kver))
    if not debs:
        run(["apt-get", "download", "linux-image-" + kver], cwd=CACHE)
        debs = glob.glob(os.path.join(CACHE, "linux-image-%s_*.deb" % kver))
    if not debs:
        raise HarnessError("apt-get download linux-image-%s left no .deb in %s" % (kver, CACHE))
    tmp = root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    run(["dpkg-deb", "-x", sorted(debs)[-1], tmp])
    run(["depmod", "-b", tmp, kver])
    shutil.rmtree(root, ignore_errors=True)
    os.rename(tmp, root)
    need(vmlinuz, "the kernel image")
    return vmlinuz, moddir


def module_order(moddir, names):
    """Paths (relative to moddir) of `names` and what they depend on, dependencies first."""
    deps = {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
    by_name = {os.path.basename(p)[:-len(".ko")]: p for p in deps}
    order = []

    def visit(path):
        for d in deps.get(path, []):
            visit(d)
        if path not in order:
            order.append(path)

    for n in names:
        if n not in by_name:
            raise HarnessError("module %s not in %s/modules.dep" % (n, moddir))
        visit(by_name[n])
    return order


def shared_libs(binary):
    out = run(["ldd", binary])
    libs = []
    for line in out.splitlines():
        m = re.search(r"(/\S+)", line.split("=>")[-1])
        if m and os.path.exists(m.group(1)):
            libs.append(m.group(1))
    return libs


def copy_into(root, path, dest=None):
    target = os.path.join(root, (dest or path).lstrip("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy2(os.path.realpath(path), target)
    return target


# ctr is the template of the "ctr(aes)" our module's SRTP asks the crypto API for; the
# guest has no modprobe for the crypto API to load it on demand.
CRYPTO_MODULES = ["ctr"]


def make_initramfs(work, built, moddir, init=None, extra=None):
    """The guest's initramfs; /init is guest/init.sh unless `init` names another script
    (t/bench/kernel_bench.py boots guest/bench.sh), `extra` maps more guest paths to host
    files to copy in."""
    root = os.path.join(work, "initramfs")
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "usr/lib/xtables", "modules", "proc", "sys", "dev", "etc",
              "tmp", "run"):
        os.makedirs(os.path.join(root, d), exist_ok=True)

    busybox = need("/bin/busybox", "busybox (busybox-static)")
    ldd = subprocess.run(["ldd", busybox], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    if "not a dynamic executable" not in ldd and "statically linked" not in ldd:
        raise HarnessError("/bin/busybox is not static: install busybox-static")
    copy_into(root, busybox, "/bin/busybox")
    for applet in run([busybox, "--list"]).split():
        link = os.path.join(root, "bin", applet)
        if not os.path.exists(link):
            os.symlink("busybox", link)

    libs = set()
    for multi, links in XTABLES_LINKS.items():
        binary = need("/usr/sbin/" + multi, multi + " (iptables)")
        copy_into(root, binary)
        libs.update(shared_libs(binary))
        for l in links:
            os.symlink(multi, os.path.join(root, "usr", "sbin", l))
    xtdir = run(["pkg-config", "--variable=xtlibdir", "xtables"]).strip() or "/usr/lib/x86_64-linux-gnu/xtables"
    for plugin in glob.glob(os.path.join(xtdir, "lib*.so")):
        name = os.path.basename(plugin)
        if name.startswith(("libxt_", "libipt_", "libip6t_")):
            copy_into(root, plugin, "/usr/lib/xtables/" + name)
    copy_into(root, built["plugin"], "/usr/lib/xtables/libxt_RTPENGINE.so")
    libs.update(shared_libs(built["plugin"]))
    # Our daemon, as built (a dynamic binary), without its debug info, with the shared
    # libraries ldd lists.
    daemon = need(os.path.join(BUILD_DIR, "bin", "rtpengine"), "the daemon (cmake --build build)")
    os.makedirs(os.path.join(root, "usr", "bin"), exist_ok=True)
    run(["strip", "--strip-debug", "-o", os.path.join(root, "usr", "bin", "rtpengine"), daemon])
    libs.update(shared_libs(daemon))
    for lib in sorted(libs):
        copy_into(root, lib)
    for f in ("/etc/protocols", "/etc/services"):
        if os.path.exists(f):
            copy_into(root, f)

    order = module_order(moddir, GUEST_MODULES + CRYPTO_MODULES)
    names = []
    for rel in order:
        name = os.path.basename(rel)
        copy_into(root, os.path.join(moddir, rel), "/modules/" + name)
        names.append(name)
    with open(os.path.join(root, "modules.list"), "w") as f:
        f.write("\n".join(names) + "\n")
    copy_into(root, built["ko"], "/xt_RTPENGINE.ko")
    copy_into(root, built["ktest"], "/bin/ktest")
    # SRTP known answers, computed here on the host (srtp_vectors.py, python3-cryptography)
    import srtp_vectors
    try:
        srtp_vectors.write(os.path.join(root, "srtp_vectors.txt"))
        srtp_vectors.write_call(os.path.join(root, "srtp_call.txt"))
    except (RuntimeError, AssertionError) as e:
        raise HarnessError("cannot compute the SRTP vectors: %s" % e)
    for dest, src in sorted((extra or {}).items()):
        copy_into(root, src, dest)
    init = copy_into(root, init or os.path.join(HERE, "guest", "init.sh"), "/init")
    copy_into(root, os.path.join(HERE, "guest", "common.sh"), "/common.sh")  # both inits source it
    os.chmod(init, 0o755)

    image = os.path.join(work, "initramfs.cpio")
    files = subprocess.run(["find", "."], cwd=root, stdout=subprocess.PIPE, text=True, check=True).stdout
    with open(image, "wb") as out:
        p = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=files.encode(),
                           stdout=out, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise HarnessError("cpio failed: %s" % p.stderr.decode(errors="replace"))
    return image


def kvm_usable():
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


def qemu_cmd(vmlinuz, initramfs):
    """The qemu command line booting the guest, and the accelerator it uses."""
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        raise HarnessError("qemu-system-x86_64 not found (install qemu-system-x86)")
    # TCG unless asked for KVM: a /dev/kvm that opens is not always one that runs (nested
    # virtualisation here boots nothing in 5 minutes), while TCG boots and runs it all in
    # well under a minute.
    use_kvm = os.environ.get("RTPE_KERNEL_KVM") == "1" and kvm_usable()
    accel = ["-accel", "kvm"] if use_kvm else ["-accel", "tcg"]
    cmd = [qemu, "-m", "1536", "-smp", "2", "-nodefaults", "-display", "none", "-no-reboot",
           "-serial", "stdio", "-monitor", "none"] + accel + [
           "-kernel", vmlinuz, "-initrd", initramfs,
           "-append", "console=ttyS0 loglevel=1 oops=panic panic=-1 panic_on_warn=1 rdinit=/init"]
    return cmd, accel[1]


def boot(work, vmlinuz, initramfs):
    cmd, accel = qemu_cmd(vmlinuz, initramfs)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        out, _ = proc.communicate(timeout=BOOT_TIMEOUT)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()  # the qemu we started, by its pid
        out, _ = proc.communicate()
        timed_out = True
    console = out.decode(errors="replace").replace("\r", "")
    with open(os.path.join(work, "console.log"), "w") as f:
        f.write(console)
    return {"console": console, "timed_out": timed_out, "seconds": time.monotonic() - start,
            "accel": accel, "cmd": cmd}


RESULT_RE = re.compile(r"^RESULT (\S+) (PASS|FAIL) ?(.*)$")


def parse_results(console):
    results = {}
    for line in console.splitlines():
        m = RESULT_RE.match(line.strip())
        if m:
            name, verdict, detail = m.groups()
            # a name printed twice keeps its first FAIL
            if name not in results or results[name][0] == "PASS":
                results[name] = (verdict, detail)
    return results


def run_all(work):
    os.makedirs(work, exist_ok=True)
    built = build(work)
    vmlinuz, moddir = fetch_kernel(built["kver"])
    image = make_initramfs(work, built, moddir)
    booted = boot(work, vmlinuz, image)
    booted["results"] = parse_results(booted["console"])
    booted["built"] = built
    booted["work"] = work
    return booted
