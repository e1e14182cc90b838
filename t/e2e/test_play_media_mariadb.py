"""play media from a database row (--mysql-*) against a real MariaDB server from Debian's
package, started here in a data directory of its own on a free 127.0.0.1 port: the row's
WAV plays into the participant as it does from a file; an id without a row, a query
without %llu and a server that went away are refused at once, and the daemon goes on."""

import os
import shutil
import subprocess
import tempfile
import time

import pytest

from media_testlib import PortPair, drain, tone_wav
from rtpe_testlib import decoded, free_tcp_port, start_ng_daemon, stop_ng_daemon

MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB = "/usr/bin/mariadb-install-db"
CLIENT = "/usr/bin/mariadb"


class MariaDb:
    def __init__(self):
        assert os.path.exists(MARIADBD) and os.path.exists(INSTALL_DB), "needs Debian's mariadb-server"
        self.dir = tempfile.mkdtemp(prefix="mariadb-")
        self.data = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.port = free_tcp_port()
        subprocess.run([INSTALL_DB, "--user=root", "--datadir=" + self.data, "--auth-root-authentication-method=normal",
                        "--skip-test-db"], check=True, capture_output=True, timeout=120)
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen([MARIADBD, "--no-defaults", "--user=root", "--datadir=" + self.data,
                                      "--socket=" + self.socket, "--port=%d" % self.port, "--bind-address=127.0.0.1",
                                      "--pid-file=" + os.path.join(self.dir, "mysqld.pid"), "--skip-grant-tables",
                                      "--log-error=" + os.path.join(self.dir, "error.log")],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while not self.sql("SELECT 1", check=False).returncode == 0:
            assert self.proc.poll() is None and time.time() < deadline, "MariaDB did not start"
            time.sleep(0.2)

    def sql(self, statement, check=True):
        return subprocess.run([CLIENT, "--no-defaults", "--socket=" + self.socket, "-uroot", "-e", statement],
                              capture_output=True, check=check, timeout=30)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def mariadb():
    db = MariaDb()
    db.sql("CREATE DATABASE media; CREATE TABLE media.files (id INT PRIMARY KEY, data LONGBLOB);"
           "INSERT INTO media.files VALUES (7, 0x%s)" % tone_wav(rate=8000).hex())
    yield db
    db.stop()


def sdp(origin, port):
    return "\r\n".join(["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                        "m=audio %d RTP/AVP 0" % port, ""])


def call(daemon, call_id):
    a, b = PortPair(), PortPair()
    daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "a", "sdp": sdp("a", a.port())})
    daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                       "sdp": sdp("b", b.port())})
    return a, b


def play(daemon, call_id, **keys):
    return decoded(daemon.ng.request(dict({"command": "play media", "call-id": call_id, "from-tag": "a"}, **keys)))


def daemon_for(db, query="SELECT data FROM media.files WHERE id = %llu"):
    return start_ng_daemon(["--mysql-host=127.0.0.1", "--mysql-port=%d" % db.port, "--mysql-user=root",
                            "--mysql-pass=unused", "--mysql-query=" + query])


def test_row_plays_like_a_file(mariadb):
    d = daemon_for(mariadb)
    a, b = call(d, "db-play")
    try:
        assert play(d, "db-play", **{"db-id": 7}) == {"duration": 1000, "result": "ok"}
        time.sleep(1.3)
        got = drain(a.rtp)
        assert 48 <= len(got) <= 52 and all(p[1] & 0x7f == 0 for p in got)
        failure = {"result": "error", "error-reason": "Failed to start media playback from database"}
        assert play(d, "db-play", **{"db-id": 8}) == failure  # no such row
        assert "no media with id 8" in d.log()
    finally:
        a.close()
        b.close()
        stop_ng_daemon(d)


def test_query_without_id_is_refused(mariadb):
    d = daemon_for(mariadb, query="SELECT data FROM media.files")
    a, b = call(d, "db-bad-query")
    try:
        assert play(d, "db-bad-query", **{"db-id": 7})["error-reason"] == "Failed to start media playback from database"
        assert "--mysql-query has no %llu" in d.log()
    finally:
        a.close()
        b.close()
        stop_ng_daemon(d)


def test_server_down_is_refused_at_once():
    """A server that is not there (a closed port) costs a refusal, not a hang."""
    port = free_tcp_port()
    d = start_ng_daemon(["--mysql-host=127.0.0.1", "--mysql-port=%d" % port, "--mysql-user=root",
                         "--mysql-query=SELECT data FROM media.files WHERE id = %llu"])
    a, b = call(d, "db-down")
    try:
        started = time.monotonic()
        assert play(d, "db-down", **{"db-id": 7})["error-reason"] == "Failed to start media playback from database"
        assert time.monotonic() - started < 10  # not stuck: the connection is refused at once
        assert "cannot connect" in d.log()
        assert decoded(d.ng.request({"command": "ping"})) == {"result": "pong"}
    finally:
        a.close()
        b.close()
        stop_ng_daemon(d)
