"""The .debs of `make deb`: what they hold, that the extracted daemon and tools work with
the packaged config, that the systemd unit verifies and starts the daemon the way systemd
would (ExecStart with the EnvironmentFile's variables, READY=1 on NOTIFY_SOCKET, the pid
file), and that lintian finds no errors.

The packages are never installed on this machine (Debian's rtpengine packages, with the
same names, are the differential-test oracle): they are unpacked with dpkg-deb -x."""

import glob
import gzip
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
    for name in ("rtpengine-daemon", "rtpengine-utils"):
        paths = glob.glob(os.path.join(DEB_DIR, "%s_*.deb" % name))
        assert len(paths) == 1, paths
        found[name] = paths[0]
    return found


@pytest.fixture(scope="module")
def root(debs, tmp_path_factory):
    """Both packages unpacked into one throw-away tree."""
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
    for name, deb in debs.items():
        assert field(deb, "Package") == name
        assert field(deb, "Version") == project_version()
        assert field(deb, "Architecture") == subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
        assert field(deb, "Description")
    # shlibs: the daemon links libsystemd (sd_notify) and GLib.
    depends = field(debs["rtpengine-daemon"], "Depends")
    assert "libsystemd0" in depends and "libglib2.0-0" in depends


def test_file_lists(debs):
    daemon = contents(debs["rtpengine-daemon"])
    assert {"/usr/bin/rtpengine",
            "/lib/systemd/system/rtpengine-daemon.service",
            "/etc/default/rtpengine-daemon",
            "/etc/rtpengine/rtpengine.conf",
            "/usr/share/man/man8/rtpengine.8.gz",
            "/usr/share/doc/rtpengine-daemon/copyright",
            "/usr/share/doc/rtpengine-daemon/changelog.gz"} == daemon
    utils = contents(debs["rtpengine-utils"])
    assert {"/usr/bin/rtpengine-ctl",
            "/usr/bin/rtpengine-ng-client",
            "/usr/share/man/man1/rtpengine-ctl.1.gz",
            "/usr/share/man/man1/rtpengine-ng-client.1.gz",
            "/usr/share/doc/rtpengine-utils/copyright",
            "/usr/share/doc/rtpengine-utils/changelog.gz"} == utils


def test_conffiles_and_maintainer_scripts(debs):
    conffiles = control_file(debs["rtpengine-daemon"], "conffiles").split()
    assert sorted(conffiles) == ["/etc/default/rtpengine-daemon", "/etc/rtpengine/rtpengine.conf"]
    assert control_file(debs["rtpengine-utils"], "conffiles") is None
    # dh_installsystemd enables and starts the unit on installation.
    postinst = control_file(debs["rtpengine-daemon"], "postinst")
    assert "deb-systemd-helper enable 'rtpengine-daemon.service'" in postinst


def test_dpkg_installs_into_a_throwaway_root(debs, tmp_path):
    """dpkg itself installs both packages into an empty root of their own. Only the unpack
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
    assert sorted(listed) == ["rtpengine-daemon install ok unpacked", "rtpengine-utils install ok unpacked"]
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
             "usr/share/man/man1/rtpengine-ng-client.1.gz": ('.TH "RTPENGINE-NG-CLIENT" "1"', "proxy\\-port")}
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
    """The packaged unit with its binary pointing into the extracted tree, edited."""
    with open(unit_file(root)) as f:
        text = f.read().replace("/usr/bin/rtpengine", os.path.join(root, "usr/bin/rtpengine"))
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
    assert service["EnvironmentFile"] == ["-/etc/default/rtpengine-daemon"]
    assert service["Restart"] == ["on-failure"]
    assert service["RuntimeDirectory"] == ["rtpengine"]
    assert service["PIDFile"] == ["/run/rtpengine/rtpengine-daemon.pid"]
    argv = shlex.split(service["ExecStart"][0])
    assert argv[0] == "/usr/bin/rtpengine"
    assert "--foreground" in argv
    assert "--config-file=/etc/rtpengine/rtpengine.conf" in argv
    assert "--pidfile=/run/rtpengine/rtpengine-daemon.pid" in argv
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


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
    assert packaged_env == {"OPTIONS": ""}
    # The packaged defaults add nothing to ExecStart.
    assert expand_exec(unit["ExecStart"][0], packaged_env) == shlex.split(unit["ExecStart"][0])[:-1]

    # As an operator would: OPTIONS in /etc/default moves the control ports.
    ng_port = free_udp_port()
    cli_port = free_tcp_port()
    defaults = tmp_path / "rtpengine-daemon"
    defaults.write_text('OPTIONS="--listen-ng=127.0.0.1:%d --listen-cli=127.0.0.1:%d '
                        '--port-min=33100 --port-max=33199"\n' % (ng_port, cli_port))
    env_vars = read_environment_file(str(defaults))

    runtime = tmp_path / "run"          # RuntimeDirectory=rtpengine: systemd creates it
    (runtime / "rtpengine").mkdir(parents=True)
    paths = {"/usr/bin/rtpengine": os.path.join(root, "usr/bin/rtpengine"),
             "/etc/rtpengine/rtpengine.conf": os.path.join(root, "etc/rtpengine/rtpengine.conf"),
             "/run/": str(runtime) + "/"}
    argv = []
    for word in expand_exec(unit["ExecStart"][0], env_vars):
        for old, new in paths.items():
            word = word.replace(old, new)
        argv.append(word)
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
