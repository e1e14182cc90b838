"""The .debs of `make deb`: what they hold, that the extracted daemon and tools work with
the packaged config, that the systemd unit verifies and starts the daemon the way systemd
would (ExecStart with the EnvironmentFile's variables, READY=1 on NOTIFY_SOCKET, the pid
file), that DKMS builds the kernel module from rtpengine-kernel-dkms, that the unit's
root helper (rtpengine-iptables-setup) loads the module and adds and removes its iptables
rule (against fake modprobe/iptables/ip6tables that log their arguments), and that lintian
finds no errors.

The packages are never installed on this machine (Debian's rtpengine packages, with the
same names, are the differential-test oracle): they are unpacked with dpkg-deb -x."""

import glob
import gzip
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time

import pytest

from rtpe_testlib import REPO_ROOT, NgClient, free_tcp_port, free_udp_port

# Building the packages from a cold compiler cache takes a few minutes on two cores.
FILE_BUDGET = 900.0

DEB_DIR = os.path.join(REPO_ROOT, "build-deb")
PACKAGES = ("rtpengine-daemon", "rtpengine-utils", "rtpengine-kernel-dkms", "rtpengine-iptables")
XTABLES_DIR = "/usr/lib/x86_64-linux-gnu/xtables"
KERNEL_SOURCES = ("xt_RTPENGINE.c", "rtpengine_kernel_abi.h", "Kbuild", "Makefile")


def project_version():
    with open(os.path.join(REPO_ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(rtpengine VERSION ([0-9.]+)", f.read()).group(1)



@pytest.fixture(scope="module")
def debs():
    started = time.monotonic()
    r = subprocess.run(["make", "-s", "-C", REPO_ROOT, "deb", "JOBS=2", "DEB_DIR=build-deb"],
                       capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print("make deb took %.0f s" % (time.monotonic() - started))
    found = {}
    for name in PACKAGES:
        paths = glob.glob(os.path.join(DEB_DIR, "%s_*.deb" % name))
        assert len(paths) == 1, paths
        found[name] = paths[0]
    return found


@pytest.fixture(scope="module")
def root(debs, tmp_path_factory):
    """All packages unpacked into one throw-away tree."""
    r = str(tmp_path_factory.mktemp("pkgroot"))
    for path in debs.values():
        subprocess.run(["dpkg-deb", "-x", path, r], check=True)
    return r


def field(deb, name):
    return subprocess.run(["dpkg-deb", "-f", deb, name], capture_output=True, text=True, check=True).stdout.strip()


def contents(deb):
    out = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, check=True).stdout
    return {line.split()[5][1:] for line in out.splitlines() if not line.startswith("d")}


def control_file(deb, member):
    tar = subprocess.run(["dpkg-deb", "--ctrl-tarfile", deb], capture_output=True, check=True).stdout
    r = subprocess.run(["tar", "-xOf", "-", "./" + member], input=tar, capture_output=True)
    return r.stdout.decode() if r.returncode == 0 else None


def test_control_fields(debs):
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    for name, deb in debs.items():
        assert field(deb, "Package") == name
        assert field(deb, "Version") == project_version()
        # The module's sources are the same for every architecture; DKMS compiles them.
        assert field(deb, "Architecture") == ("all" if name == "rtpengine-kernel-dkms" else arch)
        assert field(deb, "Description")
    # shlibs: the daemon links libsystemd (sd_notify) and GLib; its postinst runs adduser.
    depends = field(debs["rtpengine-daemon"], "Depends")
    assert "libsystemd0" in depends and "libglib2.0-0" in depends
    assert re.match(r"adduser\b", depends)
    assert {"rtpengine-kernel-dkms", "rtpengine-iptables", "iptables"} <= set(
        re.split(r",\s*", field(debs["rtpengine-daemon"], "Suggests")))
    # dh_dkms adds dkms; the plugin links libxtables and is of no use without iptables.
    assert re.match(r"dkms \(>= [0-9.]+\)$", field(debs["rtpengine-kernel-dkms"], "Depends"))
    assert field(debs["rtpengine-kernel-dkms"], "Section") == "kernel"
    depends = field(debs["rtpengine-iptables"], "Depends")
    assert "libxtables12" in depends and re.match(r"iptables\b", depends)


def test_file_lists(debs):
    daemon = contents(debs["rtpengine-daemon"])
    assert {"/usr/bin/rtpengine",
            "/lib/systemd/system/rtpengine-daemon.service",
            "/etc/default/rtpengine-daemon",
            "/etc/rtpengine/rtpengine.conf",
            "/usr/share/man/man8/rtpengine.8.gz",
            "/usr/share/doc/rtpengine-daemon/copyright",
            "/usr/share/doc/rtpengine-daemon/changelog.gz",
            "/usr/sbin/rtpengine-iptables-setup",
            "/usr/share/man/man8/rtpengine-iptables-setup.8.gz"} == daemon
    utils = contents(debs["rtpengine-utils"])
    assert {"/usr/bin/rtpengine-ctl",
            "/usr/bin/rtpengine-ng-client",
            "/usr/share/man/man1/rtpengine-ctl.1.gz",
            "/usr/share/man/man1/rtpengine-ng-client.1.gz",
            "/usr/share/doc/rtpengine-utils/copyright",
            "/usr/share/doc/rtpengine-utils/changelog.gz"} == utils
    src = "/usr/src/rtpengine-%s/" % project_version()
    dkms = contents(debs["rtpengine-kernel-dkms"])
    assert {src + name for name in KERNEL_SOURCES + ("dkms.conf",)} | {
        "/usr/share/doc/rtpengine-kernel-dkms/copyright",
        "/usr/share/doc/rtpengine-kernel-dkms/changelog.gz"} == dkms
    iptables = contents(debs["rtpengine-iptables"])
    assert {XTABLES_DIR + "/libxt_RTPENGINE.so",
            "/usr/share/doc/rtpengine-iptables/copyright",
            "/usr/share/doc/rtpengine-iptables/changelog.gz"} == iptables


def test_conffiles_and_maintainer_scripts(debs):
    conffiles = control_file(debs["rtpengine-daemon"], "conffiles").split()
    assert sorted(conffiles) == ["/etc/default/rtpengine-daemon", "/etc/rtpengine/rtpengine.conf"]
    for name in ("rtpengine-utils", "rtpengine-kernel-dkms", "rtpengine-iptables"):
        assert control_file(debs[name], "conffiles") is None, name
    # dh_installsystemd enables and starts the unit on installation; before that, postinst
    # creates the system user the unit runs the daemon as.
    postinst = control_file(debs["rtpengine-daemon"], "postinst")
    assert "deb-systemd-helper enable 'rtpengine-daemon.service'" in postinst
    assert postinst.index("adduser --system") < postinst.index("deb-systemd-helper")
    joined = postinst.replace("\\\n", " ")
    assert re.search(r"^\s*addgroup --system .*rtpengine$", joined, re.M)
    assert re.search(r"^\s*adduser --system .*--ingroup rtpengine .*rtpengine$", joined, re.M)
    # dh_dkms: dkms add, build and install of this name and version on configure, dkms
    # remove before the package goes.
    postinst = control_file(debs["rtpengine-kernel-dkms"], "postinst")
    assert "DKMS_NAME=rtpengine\n" in postinst and "DKMS_VERSION=%s\n" % project_version() in postinst
    # (dkms's common.postinst does the add, build and install)
    assert "for DKMS_POSTINST in /usr/lib/dkms/common.postinst" in postinst
    assert "$DKMS_POSTINST $DKMS_NAME $DKMS_VERSION" in postinst
    prerm = control_file(debs["rtpengine-kernel-dkms"], "prerm")
    assert "dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all" in prerm
    assert "DKMS_VERSION=%s\n" % project_version() in prerm


def test_dpkg_installs_into_a_throwaway_root(debs, tmp_path):
    """dpkg itself installs all packages into an empty root of their own. Only the unpack
    stage: configuring would run postinst, which talks to the host's systemd."""
    root = str(tmp_path / "root")
    admin = os.path.join(root, "var/lib/dpkg")
    os.makedirs(os.path.join(admin, "info"))
    os.makedirs(os.path.join(admin, "updates"))
    open(os.path.join(admin, "status"), "w").close()
    dpkg = ["dpkg", "--root=" + root, "--force-not-root", "--force-depends", "--no-triggers"]
    r = subprocess.run(dpkg + ["--unpack"] + sorted(debs.values()), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    listed = subprocess.run(["dpkg-query", "--admindir=" + admin, "-W", "-f", "${Package} ${Status}\n"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert sorted(listed) == sorted("%s install ok unpacked" % name for name in PACKAGES)
    owned = subprocess.run(["dpkg-query", "--admindir=" + admin, "-L", "rtpengine-daemon"],
                           capture_output=True, text=True, check=True).stdout.split()
    for path in ("/usr/bin/rtpengine", "/lib/systemd/system/rtpengine-daemon.service",
                 "/etc/rtpengine/rtpengine.conf", "/etc/default/rtpengine-daemon"):
        assert path in owned, path
    # Conffiles wait as .dpkg-new until configuration; everything else is in place.
    assert os.path.exists(os.path.join(root, "etc/rtpengine/rtpengine.conf.dpkg-new"))
    for path in ("usr/bin/rtpengine", "usr/bin/rtpengine-ctl", "usr/bin/rtpengine-ng-client"):
        assert os.access(os.path.join(root, path), os.X_OK), path
    r = subprocess.run([os.path.join(root, "usr/bin/rtpengine"), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("Version: "), r.stdout + r.stderr


def test_packaged_files(root):
    with open(os.path.join(REPO_ROOT, "etc", "rtpengine.conf.sample")) as f:
        sample = f.read()
    with open(os.path.join(root, "etc/rtpengine/rtpengine.conf")) as f:
        assert f.read() == sample
    for path in ("usr/bin/rtpengine", "usr/bin/rtpengine-ctl", "usr/bin/rtpengine-ng-client"):
        assert os.access(os.path.join(root, path), os.X_OK), path
    pages = {"usr/share/man/man8/rtpengine.8.gz": ('.TH "RTPENGINE" "8"', "listen\\-ng"),
             "usr/share/man/man1/rtpengine-ctl.1.gz": ('.TH "RTPENGINE-CTL" "1"', "numsessions"),
             "usr/share/man/man1/rtpengine-ng-client.1.gz": ('.TH "RTPENGINE-NG-CLIENT" "1"', "proxy\\-port"),
             "usr/share/man/man8/rtpengine-iptables-setup.8.gz": ('.TH "RTPENGINE-IPTABLES-SETUP" "8"',
                                                                  "NO_FALLBACK")}
    for path, needles in pages.items():
        with gzip.open(os.path.join(root, path), "rt") as f:
            text = f.read()
        for needle in needles:
            assert needle in text, (path, needle)


def test_extracted_daemon_version(root):
    r = subprocess.run([os.path.join(root, "usr/bin/rtpengine"), "--version"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0
    assert project_version() in r.stdout + r.stderr


def start(argv, env=None, log=None):
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None
    return proc.returncode


def wait_for_ping(port, proc, timeout=10.0):
    client = NgClient(("127.0.0.1", port), timeout=0.3)
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert proc.poll() is None, "daemon exited with %s" % proc.returncode
            try:
                if client.request({"command": "ping"})["result"] == b"pong":
                    return True
            except (socket.timeout, ConnectionRefusedError):
                time.sleep(0.05)
        return False
    finally:
        client.close()


def test_extracted_daemon_runs_with_packaged_config(root, tmp_path):
    ng_port = free_udp_port()
    cli_port = free_tcp_port()
    log = open(tmp_path / "daemon.log", "wb")
    proc = start([os.path.join(root, "usr/bin/rtpengine"), "--foreground", "--log-stderr",
                  "--config-file=%s" % os.path.join(root, "etc/rtpengine/rtpengine.conf"),
                  "--listen-ng=127.0.0.1:%d" % ng_port, "--listen-cli=127.0.0.1:%d" % cli_port,
                  "--port-min=33000", "--port-max=33099"], log=log)
    try:
        assert wait_for_ping(ng_port, proc), open(tmp_path / "daemon.log").read()
        # The packaged tools against the packaged daemon.
        r = subprocess.run([os.path.join(root, "usr/bin/rtpengine-ctl"), "-ip", "127.0.0.1:%d" % cli_port,
                            "get", "timeout"], capture_output=True, text=True, timeout=10)
        assert r.returncode == 0 and r.stdout == "TIMEOUT=60\n", r   # timeout = 60 in the packaged config
        r = subprocess.run([os.path.join(root, "usr/bin/rtpengine-ng-client"), "--proxy-address=127.0.0.1",
                            "--proxy-port=%d" % ng_port, "ping"], capture_output=True, text=True, timeout=10)
        assert r.returncode == 0 and "pong" in r.stdout, r
    finally:
        assert stop(proc) == 0
        log.close()


# --- the systemd unit ------------------------------------------------------------------

def unit_file(root):
    return os.path.join(root, "lib/systemd/system/rtpengine-daemon.service")


def parse_unit(path):
    sections = {}
    current = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                current = sections.setdefault(line.strip("[]"), {})
                continue
            key, value = line.split("=", 1)
            current.setdefault(key, []).append(value)
    return sections


def verify(path, root):
    env = dict(os.environ, MANPATH=os.path.join(root, "usr/share/man"))
    return subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True, env=env,
                          timeout=60)


def unit_copy(root, tmp_path, name, edit=lambda text: text):
    """The packaged unit with its programs pointing into the extracted tree, edited."""
    with open(unit_file(root)) as f:
        text = f.read()
    for path in ("/usr/bin/rtpengine", "/usr/sbin/rtpengine-iptables-setup"):
        text = text.replace(path, os.path.join(root, path[1:]))
    path = tmp_path / name
    path.write_text(edit(text))
    return str(path)


def test_unit_verifies(root, tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.fail("systemd-analyze is missing (package systemd)")
    r = verify(unit_copy(root, tmp_path, "rtpengine-daemon.service"), root)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r
    # The check has teeth: a mistyped setting, a missing binary, a missing man page.
    r = verify(unit_copy(root, tmp_path, "typo.service", lambda t: t.replace("Type=notify", "Type=notfy")), root)
    assert "Failed to parse service type" in r.stderr
    r = verify(unit_copy(root, tmp_path, "nobin.service",
                         lambda t: t.replace(os.path.join(root, "usr/bin/rtpengine"), "/nonexistent/rtpengine")),
               root)
    assert r.returncode != 0
    r = verify(unit_copy(root, tmp_path, "noman.service", lambda t: t.replace("man:rtpengine(8)", "man:rtpengine(5)")),
               root)
    assert r.returncode != 0


def test_unit_settings(root):
    unit = parse_unit(unit_file(root))
    service = unit["Service"]
    assert service["Type"] == ["notify"]
    assert service["EnvironmentFile"] == ["-/etc/default/rtpengine-daemon", "-/run/rtpengine/kernel.env"]
    assert service["Restart"] == ["on-failure"]
    assert service["RuntimeDirectory"] == ["rtpengine"]
    assert service["PIDFile"] == ["/run/rtpengine/rtpengine-daemon.pid"]
    argv = shlex.split(service["ExecStart"][0])
    assert argv[0] == "/usr/bin/rtpengine"
    assert "--foreground" in argv
    assert "--config-file=/etc/rtpengine/rtpengine.conf" in argv
    assert "--pidfile=/run/rtpengine/rtpengine-daemon.pid" in argv
    assert argv[-2:] == ["$OPTIONS", "$RTPENGINE_KERNEL_OPTIONS"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    # The root half of kernel forwarding runs with full privileges ("+"), the daemon with
    # none of them: a fixed system user (the module's proc_uid), no module loading, only
    # CAP_NET_BIND_SERVICE.
    assert service["ExecStartPre"] == ["+/usr/sbin/rtpengine-iptables-setup start"]
    assert service["ExecStopPost"] == ["+/usr/sbin/rtpengine-iptables-setup stop"]
    assert service["User"] == ["rtpengine"] and service["Group"] == ["rtpengine"]
    assert service["DynamicUser"] == ["yes"]
    assert service["CapabilityBoundingSet"] == ["CAP_NET_BIND_SERVICE"]
    for key in ("NoNewPrivileges", "ProtectKernelModules", "ProtectKernelTunables", "PrivateDevices"):
        assert service[key] == ["yes"], key
    assert service["ProtectSystem"] == ["strict"]


def read_environment_file(path):
    """KEY=VALUE lines as systemd reads them (quotes removed, comments skipped)."""
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            key, value = line.split("=", 1)
            words = shlex.split(value)
            env[key.strip()] = words[0] if words else ""
    return env


def unpacked_exec_start(unit, env_vars, root, runtime):
    """The unit's ExecStart as systemd expands it, with the package's paths pointing into
    the unpacked tree `root` and /run into `runtime`."""
    paths = {"/usr/bin/rtpengine": os.path.join(root, "usr/bin/rtpengine"),
             "/etc/rtpengine/rtpengine.conf": os.path.join(root, "etc/rtpengine/rtpengine.conf"),
             "/run/": str(runtime) + "/"}
    argv = []
    for word in expand_exec(unit["ExecStart"][0], env_vars):
        for old, new in paths.items():
            word = word.replace(old, new)
        argv.append(word)
    return argv


def expand_exec(command, env):
    """systemd's ExecStart expansion: ${VAR} stays one word, $VAR splits into words."""
    argv = []
    for word in shlex.split(command):
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if m:
            argv += env.get(m.group(1), "").split()
            continue
        argv.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda mm: env.get(mm.group(1), ""), word))
    return argv


def test_unit_starts_daemon_like_systemd(root, tmp_path):
    unit = parse_unit(unit_file(root))["Service"]
    packaged_env = read_environment_file(os.path.join(root, "etc/default/rtpengine-daemon"))
    assert packaged_env == {"OPTIONS": "", "SET_USER": "rtpengine"}
    # The packaged defaults add nothing to ExecStart.
    assert expand_exec(unit["ExecStart"][0], packaged_env) == shlex.split(unit["ExecStart"][0])[:-2]

    # As an operator would: OPTIONS in /etc/default moves the control ports.
    ng_port = free_udp_port()
    cli_port = free_tcp_port()
    defaults = tmp_path / "rtpengine-daemon"
    defaults.write_text('OPTIONS="--listen-ng=127.0.0.1:%d --listen-cli=127.0.0.1:%d '
                        '--port-min=33100 --port-max=33199"\n' % (ng_port, cli_port))
    env_vars = read_environment_file(str(defaults))

    runtime = tmp_path / "run"          # RuntimeDirectory=rtpengine: systemd creates it
    (runtime / "rtpengine").mkdir(parents=True)
    argv = unpacked_exec_start(unit, env_vars, root, runtime)
    assert "--listen-ng=127.0.0.1:%d" % ng_port in argv

    notify_path = str(tmp_path / "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(notify_path)
    listener.settimeout(10)
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    log = open(tmp_path / "unit.log", "wb")
    proc = start(argv, env=env, log=log)
    try:
        assert listener.recv(4096) == b"READY=1", open(tmp_path / "unit.log").read()
        assert wait_for_ping(ng_port, proc, timeout=2)
        pidfile = unit["PIDFile"][0].replace("/run/", str(runtime) + "/")
        with open(pidfile) as f:
            assert int(f.read().strip()) == proc.pid
    finally:
        assert stop(proc) == 0
        log.close()
    assert listener.recv(4096) == b"STOPPING=1"
    listener.close()
    # Logging went to stderr (the journal, under systemd) without time stamps.
    with open(tmp_path / "unit.log") as f:
        first = f.readline()
    assert re.match(r"^[A-Z]+: \[\w+\] ", first), first


def test_lintian_finds_no_errors(debs):
    if not shutil.which("lintian"):
        pytest.fail("lintian is missing (scripts/install-deps.sh --test installs it)")
    r = subprocess.run(["lintian", "--no-tag-display-limit"] + sorted(debs.values()),
                       capture_output=True, text=True, timeout=300)
    tags = [line for line in r.stdout.splitlines() if re.match(r"^[EWIPNX]: ", line)]
    print("\n".join(tags))
    errors = [t for t in tags if t.startswith("E: ")]
    assert errors == [], errors
    # lintian exits non-zero on errors; anything else (e.g. it crashed) is a failure too.
    assert r.returncode == 0, r.stdout + r.stderr


# --- rtpengine-kernel-dkms and rtpengine-iptables ----------------------------------------

def kernel_abi():
    """The kernel release of Debian's linux-headers-amd64 (what t/kernel boots too)."""
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Depends}", "linux-headers-amd64"],
                       capture_output=True, text=True)
    assert r.returncode == 0, "linux-headers-amd64 is missing (scripts/install-deps.sh --test): " + r.stderr
    m = re.search(r"linux-headers-(\S+-amd64)", r.stdout)
    assert m, r.stdout
    return m.group(1)


def dkms_source(root):
    return os.path.join(root, "usr/src/rtpengine-%s" % project_version())


def test_dkms_conf(root):
    """dkms.conf as DKMS reads it (bash), with the variables DKMS sets for the build."""
    script = ('kernel_source_dir=/KSRC; dkms_tree=/TREE; . "$1"; '
              'printf "%s\\n" "$PACKAGE_NAME" "$PACKAGE_VERSION" "${BUILT_MODULE_NAME[0]}" '
              '"${DEST_MODULE_LOCATION[0]}" "$AUTOINSTALL" "${MAKE[0]}" "$CLEAN"')
    r = subprocess.run(["bash", "-c", script, "bash", os.path.join(dkms_source(root), "dkms.conf")],
                       capture_output=True, text=True, check=True)
    name, version, module, dest, autoinstall, make, clean = r.stdout.splitlines()
    assert (name, version, module, autoinstall) == ("rtpengine", project_version(), "xt_RTPENGINE", "yes")
    assert dest == "/updates/dkms"
    build = "/TREE/rtpengine/%s/build" % project_version()
    assert shlex.split(make) == ["make", "-C", "/KSRC", "M=" + build,
                                 "RTPENGINE_VERSION=" + project_version(), "modules"]
    assert shlex.split(clean) == ["make", "-C", "/KSRC", "M=" + build, "clean"]
    # The sources are the tree's, byte for byte.
    for name in KERNEL_SOURCES:
        with open(os.path.join(dkms_source(root), name), "rb") as packaged, \
                open(os.path.join(REPO_ROOT, "kernel-module", name), "rb") as tree:
            assert packaged.read() == tree.read(), name


def test_dkms_builds_the_module(root, tmp_path):
    """`dkms build` of the unpacked package against Debian's kernel headers, with DKMS's
    trees (and its module signing key) in a temporary directory: nothing is installed."""
    if not shutil.which("dkms"):
        pytest.fail("dkms is missing (scripts/install-deps.sh --test installs it)")
    kver = kernel_abi()
    tree, install = tmp_path / "dkms", tmp_path / "install"
    tree.mkdir()
    install.mkdir()
    before = set(os.listdir("/var/lib/dkms")) if os.path.isdir("/var/lib/dkms") else set()
    env = dict(os.environ, mok_signing_key=str(tmp_path / "mok.key"), mok_certificate=str(tmp_path / "mok.pub"))
    r = subprocess.run(["dkms", "build", "-m", "rtpengine", "-v", project_version(), "-k", kver,
                        "--dkmstree", str(tree), "--sourcetree", os.path.join(root, "usr/src"),
                        "--installtree", str(install)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    ko = tree / "rtpengine" / project_version() / kver / "x86_64" / "module" / "xt_RTPENGINE.ko"
    assert ko.exists(), r.stdout
    info = {}
    for line in subprocess.run(["modinfo", str(ko)], capture_output=True, text=True, check=True).stdout.splitlines():
        key, _, value = line.partition(":")
        info.setdefault(key, []).append(value.strip())
    assert info["version"] == [project_version()]
    assert info["name"] == ["xt_RTPENGINE"]
    assert info["vermagic"][0].split()[0] == kver
    assert {p.split(":")[0] for p in info["parm"]} >= {"proc_uid", "proc_gid", "proc_mask"}
    # Signed with the key DKMS made in tmp_path, as it signs on a real installation.
    assert info["signer"] == ["DKMS module signing key"]
    assert os.path.exists(tmp_path / "mok.key")
    # Nothing went into the host's DKMS tree or module directory.
    assert os.listdir(install) == []
    after = set(os.listdir("/var/lib/dkms")) if os.path.isdir("/var/lib/dkms") else set()
    assert after == before and "rtpengine" not in after
    assert not glob.glob("/lib/modules/*/updates/dkms/xt_RTPENGINE.ko*")


def test_iptables_plugin(root):
    """iptables loads the packaged plugin from its directory (XTABLES_LIBDIR, the system's
    after it for the built-in matches): the RTPENGINE target's help names --id."""
    if not shutil.which("iptables"):
        pytest.fail("iptables is missing (scripts/install-deps.sh --test installs it)")
    so = os.path.join(root, XTABLES_DIR[1:], "libxt_RTPENGINE.so")
    with open(so, "rb") as f:
        assert f.read(4) == b"\x7fELF"
    # The system has no RTPENGINE target of its own (Debian's rtpengine-iptables is not
    # installed), so what answers is the packaged plugin.
    r = subprocess.run(["iptables", "-j", "RTPENGINE", "--help"], capture_output=True, text=True)
    assert "--id" not in r.stdout
    env = dict(os.environ, XTABLES_LIBDIR=os.path.dirname(so) + ":" + XTABLES_DIR)
    for tool in ("iptables", "ip6tables"):
        r = subprocess.run([tool, "-j", "RTPENGINE", "--help"], capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
        assert re.search(r"RTPENGINE target options:\s+--id <table>", r.stdout), r.stdout


# --- rtpengine-iptables-setup (the unit's ExecStartPre=+ / ExecStopPost=+) ---------------

FAKE_IPTABLES = r'''#!/usr/bin/python3
# A stand-in for iptables/ip6tables: logs its arguments, keeps the filter table in a JSON
# file and answers -S, -N, -C, -I, -A, -D as iptables does. Anything else is logged and
# refused.
import json, os, sys
name = os.path.basename(sys.argv[0])
args = [a for a in sys.argv[1:] if a != "-w"]
with open(os.environ["FAKE_LOG"], "a") as f:
    f.write(json.dumps([name] + sys.argv[1:]) + "\n")
path = os.path.join(os.environ["FAKE_STATE"], name + ".json")
state = json.load(open(path)) if os.path.exists(path) else {
    "policy": {"INPUT": "ACCEPT", "FORWARD": "ACCEPT", "OUTPUT": "ACCEPT"},
    "chains": {"INPUT": [], "FORWARD": [], "OUTPUT": []}}
chains = state["chains"]
op, chain, rule = args[0], args[1] if len(args) > 1 else None, " ".join(args[2:])
rc = 0
if op == "-S" and chain in chains:
    print("-P %s %s" % (chain, state["policy"][chain]) if chain in state["policy"] else "-N " + chain)
    for r in chains[chain]:
        print("-A %s %s" % (chain, r))
elif op == "-N" and chain not in chains:
    chains[chain] = []
elif op == "-C" and chain in chains and rule in chains[chain]:
    pass
elif op == "-I" and chain in chains:
    chains[chain].insert(0, rule)
elif op == "-A" and chain in chains:
    chains[chain].append(rule)
elif op == "-D" and chain in chains and rule in chains[chain]:
    chains[chain].remove(rule)
else:
    print("%s: refused: %s" % (name, " ".join(args)), file=sys.stderr)
    rc = 1
json.dump(state, open(path, "w"))
sys.exit(rc)
'''

FAKE_MODPROBE = r'''#!/usr/bin/python3
import json, os, sys
with open(os.environ["FAKE_LOG"], "a") as f:
    f.write(json.dumps(["modprobe"] + sys.argv[1:]) + "\n")
sys.exit(int(os.environ.get("FAKE_MODPROBE_RC", "0")))
'''


class Helper:
    """rtpengine-iptables-setup from the extracted package, with fake modprobe, iptables and
    ip6tables first on PATH, its defaults file and runtime directory in tmp_path."""

    def __init__(self, root, tmp_path):
        self.root = root
        self.script = os.path.join(root, "usr/sbin/rtpengine-iptables-setup")
        self.bin = tmp_path / "bin"
        self.state = tmp_path / "state"
        self.run_dir = tmp_path / "run" / "rtpengine"
        self.defaults = tmp_path / "rtpengine-daemon"
        self.log = tmp_path / "calls.log"
        self.bin.mkdir()
        self.state.mkdir()
        for tool, text in (("iptables", FAKE_IPTABLES), ("ip6tables", FAKE_IPTABLES), ("modprobe", FAKE_MODPROBE)):
            (self.bin / tool).write_text(text)
            (self.bin / tool).chmod(0o755)
        self.log.write_text("")

    def configure(self, text):
        self.defaults.write_text(text)

    def run(self, action, modprobe_rc=0):
        env = dict(os.environ, PATH="%s:%s" % (self.bin, os.environ["PATH"]),
                   RTPENGINE_DEFAULTS=str(self.defaults), RTPENGINE_RUNTIME_DIR=str(self.run_dir),
                   FAKE_LOG=str(self.log), FAKE_STATE=str(self.state), FAKE_MODPROBE_RC=str(modprobe_rc))
        return subprocess.run(["sh", self.script, action], capture_output=True, text=True, env=env, timeout=30)

    def calls(self, tool=None, op=None):
        out = [json.loads(line) for line in self.log.read_text().splitlines()]
        return [c for c in out if (tool is None or c[0] == tool) and (op is None or op in c[1:])]

    def rules(self, tool):
        path = self.state / (tool + ".json")
        return json.loads(path.read_text()) if path.exists() else None

    def preset(self, tool, state):
        (self.state / (tool + ".json")).write_text(json.dumps(state))

    def daemon_options(self):
        env = read_environment_file(str(self.run_dir / "kernel.env"))
        assert list(env) == ["RTPENGINE_KERNEL_OPTIONS"]
        return env["RTPENGINE_KERNEL_OPTIONS"].split()


@pytest.fixture
def helper(root, tmp_path):
    return Helper(root, tmp_path)


def test_setup_helper_is_posix_sh(root):
    if not shutil.which("shellcheck"):
        pytest.fail("shellcheck is missing (scripts/install-deps.sh --test installs it)")
    script = os.path.join(root, "usr/sbin/rtpengine-iptables-setup")
    with open(script) as f:
        assert f.readline() == "#!/bin/sh\n"
    r = subprocess.run(["shellcheck", "-s", "sh", script], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    # dash, Debian's /bin/sh, parses it.
    assert subprocess.run(["dash", "-n", script]).returncode == 0


def test_setup_start_twice_adds_one_rule_and_stop_deletes_it(helper):
    # An operator's firewall: a DROP policy and rules of its own, which must survive.
    own = {"policy": {"INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "ACCEPT"},
           "chains": {"INPUT": ["-p tcp --dport 22 -j ACCEPT", "-i lo -j ACCEPT"], "FORWARD": [], "OUTPUT": [],
                      "mine": ["-s 10.0.0.0/8 -j ACCEPT"]}}
    for tool in ("iptables", "ip6tables"):
        helper.preset(tool, own)
    helper.configure("OPTIONS=\"\"\nTABLE=3\nSET_USER=nobody\nSET_GROUP=nogroup\n")
    for _ in range(2):
        r = helper.run("start")
        assert r.returncode == 0, r.stderr
    nobody = subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True, check=True).stdout.strip()
    nogroup = subprocess.run(["getent", "group", "nogroup"], capture_output=True, text=True,
                             check=True).stdout.split(":")[2]
    modprobes = helper.calls("modprobe")
    assert modprobes == [["modprobe", "xt_RTPENGINE", "proc_uid=" + nobody, "proc_gid=" + nogroup]] * 2
    for tool in ("iptables", "ip6tables"):
        inserts = [c[c.index("-I"):] for c in helper.calls(tool, "-I")]
        assert inserts == [["-I", "INPUT", "-p", "udp", "-j", "rtpengine"],
                           ["-I", "rtpengine", "-p", "udp", "-j", "RTPENGINE", "--id", "3"]], inserts
        assert len(helper.calls(tool, "-N")) == 1
        state = helper.rules(tool)
        assert state["chains"]["rtpengine"] == ["-p udp -j RTPENGINE --id 3"]
        assert state["chains"]["INPUT"] == ["-p udp -j rtpengine"] + own["chains"]["INPUT"]
        assert state["chains"]["mine"] == own["chains"]["mine"]
    assert helper.daemon_options() == ["--table=3"]

    helper.log.write_text("")
    r = helper.run("stop")
    assert r.returncode == 0, r.stderr
    assert helper.calls("modprobe") == []
    for tool in ("iptables", "ip6tables"):
        deletes = [c[c.index("-D"):] for c in helper.calls(tool, "-D")]
        assert deletes == [["-D", "rtpengine", "-p", "udp", "-j", "RTPENGINE", "--id", "3"]]
        state = helper.rules(tool)
        assert state["chains"]["rtpengine"] == []
        # The jump into the (now empty) chain stays, and so does everything that was there.
        assert state["chains"]["INPUT"] == ["-p udp -j rtpengine"] + own["chains"]["INPUT"]
        assert state["chains"]["mine"] == own["chains"]["mine"]
        assert state["policy"] == own["policy"]
    # A second stop finds nothing of its own to delete.
    helper.log.write_text("")
    assert helper.run("stop").returncode == 0
    assert helper.calls(op="-D") == []
    # Never a policy, a flush, a chain deletion or a zeroing, in all of this.
    helper.log.write_text("")
    helper.run("start")
    helper.run("stop")
    for call in helper.calls("iptables") + helper.calls("ip6tables"):
        assert not {"-P", "-F", "-X", "-Z", "--policy", "--flush", "--delete-chain"} & set(call), call


def test_setup_without_table_does_nothing(helper):
    for table, options in (("", []), ("TABLE=-1\n", ["--table=-1"])):
        helper.log.write_text("")
        helper.configure("OPTIONS=\"\"\n%sSET_USER=nobody\n" % table)
        for action in ("start", "stop"):
            r = helper.run(action)
            assert r.returncode == 0 and r.stderr == "", r.stderr
        assert helper.calls() == []
        assert helper.daemon_options() == options
    # The packaged defaults are such a case.
    helper.log.write_text("")
    shutil.copy(os.path.join(helper.root, "etc/default/rtpengine-daemon"), helper.defaults)
    assert helper.run("start").returncode == 0 and helper.run("stop").returncode == 0
    assert helper.calls() == [] and helper.daemon_options() == []


def test_setup_no_fallback(helper):
    helper.configure("TABLE=0\nNO_FALLBACK=yes\nSET_USER=nobody\n")
    r = helper.run("start")
    assert r.returncode == 0, r.stderr
    assert helper.daemon_options() == ["--table=0", "--no-fallback"]
    assert len(helper.calls("iptables", "-I")) == 2
    # Without the module NO_FALLBACK makes the start fail here, before any rule...
    helper.log.write_text("")
    helper.run("stop")
    helper.log.write_text("")
    r = helper.run("start", modprobe_rc=1)
    assert r.returncode == 1
    assert "cannot load xt_RTPENGINE" in r.stderr and "NO_FALLBACK" in r.stderr
    assert helper.calls(op="-I") == []
    # ...and without NO_FALLBACK it is a warning: the daemon goes on in userspace.
    helper.configure("TABLE=0\nSET_USER=nobody\n")
    helper.log.write_text("")
    r = helper.run("start", modprobe_rc=1)
    assert r.returncode == 0 and "userspace" in r.stderr, r.stderr
    assert [c[0] for c in helper.calls()] == ["modprobe"]
    assert helper.daemon_options() == ["--table=0"]


def test_setup_user_group_and_manage_iptables(helper):
    nobody = subprocess.run(["id", "nobody"], capture_output=True, text=True, check=True).stdout
    uid, gid = re.search(r"uid=(\d+).*gid=(\d+)", nobody).groups()
    # SET_USER alone: its uid and its primary group; MANAGE_IPTABLES=no leaves the firewall.
    helper.configure("TABLE=7\nSET_USER=nobody\nMANAGE_IPTABLES=no\n")
    assert helper.run("start").returncode == 0
    assert helper.run("stop").returncode == 0
    assert helper.calls() == [["modprobe", "xt_RTPENGINE", "proc_uid=" + uid, "proc_gid=" + gid]]
    # No SET_USER: the module's default owner (root).
    helper.log.write_text("")
    helper.configure("TABLE=7\n")
    assert helper.run("start").returncode == 0
    assert helper.calls("modprobe") == [["modprobe", "xt_RTPENGINE"]]
    # A table that is not a number is refused.
    helper.log.write_text("")
    helper.configure("TABLE=seven\n")
    r = helper.run("start")
    assert r.returncode == 1 and "not a number" in r.stderr
    assert helper.calls() == []
    assert helper.run("restart").returncode == 2


def run_unit_with_kernel_settings(root, tmp_path, helper, defaults_text, modprobe_rc=0):
    """As systemd would: ExecStartPre (the helper, fakes on PATH), then ExecStart expanded
    with both EnvironmentFiles (the second one written by the helper)."""
    unit = parse_unit(unit_file(root))["Service"]
    ng_port = free_udp_port()
    helper.configure('OPTIONS="--listen-ng=127.0.0.1:%d --listen-cli=127.0.0.1:%d --port-min=33200 '
                     '--port-max=33299"\n%s' % (ng_port, free_tcp_port(), defaults_text))
    pre = shlex.split(unit["ExecStartPre"][0].lstrip("+"))
    assert pre[0] == "/usr/sbin/rtpengine-iptables-setup"
    r = helper.run(pre[1], modprobe_rc=modprobe_rc)
    assert r.returncode == 0, r.stderr
    env_vars = read_environment_file(str(helper.defaults))
    assert unit["EnvironmentFile"][1] == "-/run/rtpengine/kernel.env"
    env_vars.update(read_environment_file(str(helper.run_dir / "kernel.env")))
    return unpacked_exec_start(unit, env_vars, root, tmp_path / "run"), ng_port


def test_unit_with_table_starts_daemon_in_userspace_without_module(root, tmp_path, helper):
    """TABLE set, the module not there (no /proc/rtpengine on this host): the daemon gets
    --table, warns and relays in userspace."""
    assert not os.path.exists("/proc/rtpengine"), "xt_RTPENGINE is loaded on this host"
    argv, ng_port = run_unit_with_kernel_settings(root, tmp_path, helper, "TABLE=9\nSET_USER=nobody\n",
                                                  modprobe_rc=1)
    assert argv[-1] == "--table=9" and "--no-fallback" not in argv
    log = open(tmp_path / "daemon.log", "wb")
    proc = start(argv, log=log)
    try:
        assert wait_for_ping(ng_port, proc), open(tmp_path / "daemon.log").read()
    finally:
        assert stop(proc) == 0
        log.close()
    text = open(tmp_path / "daemon.log").read()
    assert "Kernel forwarding disabled, continuing in userspace only" in text and "table 9" in text, text


def test_unit_with_no_fallback_daemon_refuses_without_module(root, tmp_path, helper):
    """NO_FALLBACK=yes reaches the daemon as --no-fallback: without its table it exits 1."""
    assert not os.path.exists("/proc/rtpengine"), "xt_RTPENGINE is loaded on this host"
    argv, _ = run_unit_with_kernel_settings(root, tmp_path, helper, "TABLE=9\nNO_FALLBACK=yes\n")
    assert argv[-2:] == ["--table=9", "--no-fallback"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "userspace fallback disallowed (--no-fallback)" in r.stdout + r.stderr
