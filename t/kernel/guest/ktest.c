/*
 * Runs inside the qemu guest of t/kernel: speaks the binary ABI of
 * kernel-module/rtpengine_kernel_abi.h to /proc/rtpengine, sends UDP over loopback and
 * checks where it arrives. Prints one "RESULT <name> PASS|FAIL <detail>" line per check.
 * Built statically on the host (gcc -static).
 *
 * ktest perms UID GID MASK   /proc entries exist with the owner and modes of the module parameters
 * ktest tables               add/del, bad commands, busy and reclaimed tables, status
 * ktest badwrites            malformed control messages and their errno
 * ktest forward TABLE        forwarding and counters (needs -j RTPENGINE --id TABLE in INPUT)
 * ktest quick TABLE PREFIX   v4 and v6 forwarding only, results named PREFIX_*
 * ktest stress TABLE SECS    targets and the table churned under traffic
 * ktest populate TABLE       a table with targets, left behind with its control file closed
 * ktest fill TABLE N NAME    N targets into an existing table (one nobody holds), as RESULT NAME
 * ktest ngping PORT NAME     an ng "ping" to 127.0.0.1:PORT answered with "pong", as RESULT NAME
 * ktest offload PORT TABLE   a plain call through the daemon at ng PORT: its streams go into
 *                           TABLE, the kernel forwards, the daemon counts it, media goes on
 *                           in userspace without the rule, a re-INVITE moves the target,
 *                           delete clears it
 * ktest srtpcall PORT TABLE FILE  an SDES-SRTP offerer and a plain answerer (packets from FILE,
 *                           t/kernel/srtp_vectors.py write_call) through the daemon: the kernel
 *                           decrypts and encrypts across a rollover, userspace stays flat
 * ktest muxcall PORT TABLE   an rtcp-mux offerer and a plain answerer: RTP and the answerer's
 *                           RTCP in the kernel, the offerer's muxed RTCP in userspace
 * ktest unload PORT TABLE    a call in the kernel, then rule and module taken away under the
 *                           daemon: media goes on in userspace, the daemon serves on
 * ktest call PORT ID NAME    offer and answer of call ID through the daemon at ng PORT, left running
 * ktest delete PORT ID NAME  the call deleted at once
 * ktest maxtables N          only ids below N can be added
 * ktest srtp TABLE FILE      in-kernel SRTP/SRTCP: each case of FILE (t/kernel/srtp_vectors.py,
 *                           computed on the host) through a target, byte-exact; bad parameters
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtpengine_kernel_abi.h"
#include "guest.h"

static int failures;

static void result(const char *name, int ok, const char *fmt, ...)
{
	char detail[512] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	for (char *p = detail; *p; p++)
		if (*p == '\n')
			*p = ' ';
	printf("RESULT %s %s %s\n", name, ok ? "PASS" : "FAIL", detail);
	fflush(stdout);
	if (!ok)
		failures++;
}

/* ---- /proc helpers ---- */

/* Writes a command to /proc/rtpengine/control; 0 or -errno. */
static int main_ctl(const char *cmd)
{
	int fd = open("/proc/rtpengine/control", O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd);
	return (int)got;
}

/* Hex text into out; the byte count, 0 for "-", -1 when it is not hex or does not fit. */
static int unhex(const char *h, unsigned char *out, size_t max)
{
	size_t n = 0;

	if (!strcmp(h, "-"))
		return 0;
	for (; h[0] && h[1]; h += 2) {
		unsigned int b;

		if (n >= max || sscanf(h, "%2x", &b) != 1)
			return -1;
		out[n++] = b;
	}
	return h[0] ? -1 : (int)n;
}

static int table_listed(unsigned int id)
{
	char buf[4096], *line, *save = NULL;

	if (read_file("/proc/rtpengine/list", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if ((unsigned int)atoi(line) == id && line[0] >= '0' && line[0] <= '9')
			return 1;
	return 0;
}

static int open_table(unsigned int id)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/rtpengine/%u/control", id);
	return open(path, O_RDWR); /* read: a deleted target's last record */
}

static struct rtpe_kmsg new_msg(unsigned int cmd)
{
	struct rtpe_kmsg m;

	memset(&m, 0, sizeof(m));
	m.magic = RTPE_KABI_MAGIC;
	m.version = RTPE_KABI_VERSION;
	m.size = sizeof(m);
	m.cmd = cmd;
	return m;
}

/* 0 or -errno */
static int send_msg(int fd, const void *m, size_t len)
{
	ssize_t n = write(fd, m, len);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

static struct rtpe_kaddr kaddr(const char *ip, unsigned int port)
{
	struct rtpe_kaddr a;

	memset(&a, 0, sizeof(a));
	a.port = port;
	if (strchr(ip, ':')) {
		a.family = RTPE_KAF_INET6;
		inet_pton(AF_INET6, ip, a.addr);
	} else {
		a.family = RTPE_KAF_INET;
		inet_pton(AF_INET, ip, a.addr);
	}
	return a;
}

/* Reads every blist record of a table; returns the count or -errno. */
static int read_blist(unsigned int id, struct rtpe_kstats_record *recs, int max)
{
	char path[64];
	int fd, n = 0;
	ssize_t got;

	snprintf(path, sizeof(path), "/proc/rtpengine/%u/blist", id);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	/* two at a time, to page through */
	while (n < max && (got = read(fd, recs + n, sizeof(*recs) * (max - n >= 2 ? 2 : 1))) > 0)
		n += got / sizeof(*recs);
	if (got < 0)
		n = -errno;
	close(fd);
	return n;
}

static const struct rtpe_kstats_record *find_rec(const struct rtpe_kstats_record *recs, int n,
		const struct rtpe_kaddr *local)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(&recs[i].target.local, local, sizeof(*local)))
			return &recs[i];
	return NULL;
}

/* ---- sockets ---- */

/* ip (IPv4 or IPv6 text) and port as a socket address; returns its length. */
static socklen_t to_sockaddr(struct sockaddr_storage *ss, const char *ip, unsigned int port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (void *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s4->sin_addr);
	return sizeof(*s4);
}

static int udp_bound(const char *ip, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	sl = to_sockaddr(&ss, ip, port);
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one));
	if (bind(fd, (void *)&ss, sl)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_to(int fd, const char *ip, unsigned int port, const void *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	sl = to_sockaddr(&ss, ip, port);
	return sendto(fd, buf, len, 0, (void *)&ss, sl) == (ssize_t)len ? 0 : -1;
}

struct rx {
	unsigned char buf[2048];
	ssize_t len;
	char from[64];
	unsigned int from_port;
	int tos;
};

/* Waits up to ms for one datagram; 1 if one arrived, 0 if not. */
static int recv_one(int fd, int ms, struct rx *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = r->buf, .iov_len = sizeof(r->buf) };
	char cbuf[256];
	struct msghdr mh = { .msg_name = &ss, .msg_namelen = sizeof(ss), .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	if (poll(&p, 1, ms) != 1)
		return 0;
	r->len = recvmsg(fd, &mh, 0);
	if (r->len < 0)
		return 0;
	r->tos = -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS)
			r->tos = *(unsigned char *)CMSG_DATA(cm);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, r->from, sizeof(r->from));
		r->from_port = ntohs(s6->sin6_port);
	} else {
		struct sockaddr_in *s4 = (void *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, r->from, sizeof(r->from));
		r->from_port = ntohs(s4->sin_port);
	}
	return 1;
}

/* Drains a socket; returns how many datagrams were waiting (up to ms for the first). */
static int drain(int fd, int ms)
{
	struct rx r;
	int n = 0;

	while (recv_one(fd, n ? 20 : ms, &r))
		n++;
	return n;
}

static size_t rtp_packet(unsigned char *p, unsigned int pt, unsigned int seq, unsigned int ssrc, size_t plen)
{
	p[0] = 0x80;
	p[1] = pt & 0xff; /* the marker bit may be set by the caller */
	p[2] = seq >> 8;
	p[3] = seq;
	memset(p + 4, 0, 4);
	p[8] = ssrc >> 24;
	p[9] = ssrc >> 16;
	p[10] = ssrc >> 8;
	p[11] = ssrc;
	for (size_t i = 0; i < plen; i++)
		p[12 + i] = (unsigned char)(seq + i);
	return 12 + plen;
}

static unsigned long long now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (unsigned long long)tv.tv_sec * 1000000ull + tv.tv_usec;
}

/* ---- perms ---- */

static int check_stat(const char *path, unsigned int mode, unsigned int uid, unsigned int gid, char *why,
		size_t wl)
{
	struct stat st;

	if (stat(path, &st)) {
		snprintf(why, wl, "%s: %s", path, strerror(errno));
		return 0;
	}
	if ((st.st_mode & 07777) != mode || st.st_uid != uid || st.st_gid != gid) {
		snprintf(why, wl, "%s: mode %o uid %u gid %u, want %o %u %u", path, st.st_mode & 07777,
				st.st_uid, st.st_gid, mode, uid, gid);
		return 0;
	}
	return 1;
}

static void cmd_perms(unsigned int uid, unsigned int gid, unsigned int mask)
{
	char why[256] = "";
	int ok;

	ok = check_stat("/proc/rtpengine", 0555, uid, gid, why, sizeof(why))
		&& check_stat("/proc/rtpengine/control", 0220, uid, gid, why, sizeof(why))
		&& check_stat("/proc/rtpengine/list", 0444, uid, gid, why, sizeof(why));
	result("proc_main_files", ok, "%s", ok ? "/proc/rtpengine/{control,list} with the parameters' owner" : why);

	int err = main_ctl("add 9\n");
	ok = !err && check_stat("/proc/rtpengine/9", 0555 & ~mask, uid, gid, why, sizeof(why))
		&& check_stat("/proc/rtpengine/9/control", 0660, uid, gid, why, sizeof(why))
		&& check_stat("/proc/rtpengine/9/list", 0444, uid, gid, why, sizeof(why))
		&& check_stat("/proc/rtpengine/9/blist", 0444, uid, gid, why, sizeof(why))
		&& check_stat("/proc/rtpengine/9/status", 0444, uid, gid, why, sizeof(why));
	result("proc_table_files", ok, "%s", err ? strerror(-err) : ok ? "dir mode 0555 & ~proc_mask, files as upstream" : why);
	main_ctl("del 9");
}

/* ---- tables ---- */

static void cmd_tables(void)
{
	char why[256] = "ok";
	int ok = 1, e;
	struct stat st;

	/* add and del */
	if ((e = main_ctl("add 1")) != 0) {
		ok = 0;
		snprintf(why, sizeof(why), "add 1: %s", strerror(-e));
	} else if (table_listed(1) != 1 || stat("/proc/rtpengine/1/status", &st)) {
		ok = 0;
		snprintf(why, sizeof(why), "table 1 not in list or without files");
	} else if ((e = main_ctl("add 1")) != -EEXIST) {
		ok = 0;
		snprintf(why, sizeof(why), "second add 1 gave %d, want EEXIST", e);
	} else if ((e = main_ctl("del 1\n")) != 0) {
		ok = 0;
		snprintf(why, sizeof(why), "del 1: %s", strerror(-e));
	} else if (table_listed(1) != 0 || !stat("/proc/rtpengine/1", &st)) {
		ok = 0;
		snprintf(why, sizeof(why), "table 1 still there after del");
	} else if ((e = main_ctl("del 1")) != -ENOENT) {
		ok = 0;
		snprintf(why, sizeof(why), "del of a missing table gave %d, want ENOENT", e);
	}
	result("tables_add_del", ok, "%s", why);

	/* bad commands */
	static const struct { const char *cmd; int err; } bad[] = {
		{ "add 64", -EINVAL }, { "del 64", -EINVAL }, { "add -1", -EINVAL }, { "add x", -EINVAL },
		{ "add ", -EINVAL }, { "foo 1", -EINVAL }, { "ADD 1", -EINVAL }, { "add 1 2", -EINVAL },
		{ "add 99999999999999999999", -EINVAL }, { "", -EINVAL }, { "add 1x", -EINVAL },
		{ "add 1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -EINVAL },
	};
	ok = 1;
	snprintf(why, sizeof(why), "%zu malformed commands refused with EINVAL", sizeof(bad) / sizeof(bad[0]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = main_ctl(bad[i].cmd);
		if (e != bad[i].err) {
			ok = 0;
			snprintf(why, sizeof(why), "'%s' gave %d (%s), want %d", bad[i].cmd, e, strerror(-e), bad[i].err);
			break;
		}
	}
	if (ok && table_listed(1) != 0) {
		ok = 0;
		snprintf(why, sizeof(why), "a bad command created table 1");
	}
	result("tables_bad_commands", ok, "%s", why);

	/* ownership: one process at a time; busy while open; reclaimable after its owner died */
	char buf[512];
	ok = 1;
	snprintf(why, sizeof(why), "busy while open, second open EBUSY, reclaimable after the owner died");
	main_ctl("add 3");
	int pfd[2];
	if (pipe(pfd)) {
		ok = 0;
	}
	pid_t child = fork();
	if (child == 0) {
		int fd = open_table(3);
		char c = fd >= 0 ? 'y' : 'n';

		if (write(pfd[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c = 0;
	if (read(pfd[0], &c, 1) != 1 || c != 'y') {
		ok = 0;
		snprintf(why, sizeof(why), "the owner could not open 3/control");
	}
	if (ok) {
		char want[64];
		int fd2 = open_table(3);

		snprintf(want, sizeof(want), "Control PID: %d\n", (int)child);
		read_file("/proc/rtpengine/3/status", buf, sizeof(buf));
		if (fd2 >= 0 || errno != EBUSY) {
			ok = 0;
			snprintf(why, sizeof(why), "second open of 3/control: fd %d errno %d, want EBUSY", fd2, errno);
			if (fd2 >= 0)
				close(fd2);
		} else if ((e = main_ctl("del 3")) != -EBUSY) {
			ok = 0;
			snprintf(why, sizeof(why), "del of an owned table gave %d, want EBUSY", e);
		} else if (!strstr(buf, want)) {
			ok = 0;
			snprintf(why, sizeof(why), "status does not name the owner %d: %s", (int)child, buf);
		}
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (ok) {
		read_file("/proc/rtpengine/3/status", buf, sizeof(buf));
		int fd3 = open_table(3);
		if (!strstr(buf, "Control PID: 0\n")) {
			ok = 0;
			snprintf(why, sizeof(why), "status after the owner died: %s", buf);
		} else if (fd3 < 0) {
			ok = 0;
			snprintf(why, sizeof(why), "3/control cannot be reopened after the owner died: %s", strerror(errno));
		} else {
			close(fd3);
			if ((e = main_ctl("del 3")) != 0) {
				ok = 0;
				snprintf(why, sizeof(why), "del 3 after the owner died: %s", strerror(-e));
			}
		}
	}
	main_ctl("del 3");
	result("table_owner_busy_reclaim", ok, "%s", why);

	/* status counts targets */
	ok = 1;
	main_ctl("add 4");
	int fd = open_table(4);
	struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
	m.target.src = kaddr("127.0.0.1", 40000);
	m.target.dst = kaddr("127.0.0.1", 40001);
	for (int i = 0; i < 3; i++) {
		m.target.local = kaddr("127.0.0.1", 41000 + i);
		if ((e = send_msg(fd, &m, sizeof(m))) != 0) {
			ok = 0;
			snprintf(why, sizeof(why), "add target: %s", strerror(-e));
		}
	}
	read_file("/proc/rtpengine/4/status", buf, sizeof(buf));
	if (ok && (!strstr(buf, "Targets:     3\n") || !strstr(buf, "Refcount:"))) {
		ok = 0;
		snprintf(why, sizeof(why), "status: %s", buf);
	} else if (ok) {
		snprintf(why, sizeof(why), "%s", buf);
	}
	close(fd);
	if (ok && (e = main_ctl("del 4")) != 0) {
		ok = 0;
		snprintf(why, sizeof(why), "del of a table with targets: %s", strerror(-e));
	}
	result("status_file", ok, "%s", why);
}

/* ---- bad writes ---- */

struct bad_case {
	const char *name;
	int want;
	void (*mutate)(struct rtpe_kmsg *m);
};

static void base_target(struct rtpe_kmsg *m)
{
	m->target.local = kaddr("127.0.0.1", 42000);
	m->target.src = kaddr("127.0.0.1", 42001);
	m->target.dst = kaddr("127.0.0.1", 42002);
}

static void mut_magic(struct rtpe_kmsg *m) { m->magic ^= 1; }
static void mut_version(struct rtpe_kmsg *m) { m->version = RTPE_KABI_VERSION + 1; }
static void mut_size(struct rtpe_kmsg *m) { m->size = sizeof(*m) - 8; }
static void mut_cmd(struct rtpe_kmsg *m) { m->cmd = 77; }
static void mut_cmd0(struct rtpe_kmsg *m) { m->cmd = 0; }
static void mut_reserved(struct rtpe_kmsg *m) { m->reserved = 1; }
static void mut_family(struct rtpe_kmsg *m) { m->target.local.family = 99; }
static void mut_nofamily(struct rtpe_kmsg *m) { m->target.dst.family = 0; }
static void mut_port0(struct rtpe_kmsg *m) { m->target.local.port = 0; }
static void mut_dstport0(struct rtpe_kmsg *m) { m->target.dst.port = 0; }
static void mut_v4junk(struct rtpe_kmsg *m) { m->target.local.addr[9] = 1; }
static void mut_mixed(struct rtpe_kmsg *m) { m->target.src = kaddr("fd00::1", 42001); }
static void mut_loop(struct rtpe_kmsg *m) { m->target.dst = m->target.local; }
static void mut_flags(struct rtpe_kmsg *m) { m->target.flags = 1u << 20; }
static void mut_numpt(struct rtpe_kmsg *m) { m->target.num_pt = RTPE_KABI_MAX_PT + 1; }
static void mut_pt(struct rtpe_kmsg *m) { m->target.num_pt = 1; m->target.pt[0] = 200; }
static void mut_numssrc(struct rtpe_kmsg *m) { m->target.num_ssrc = RTPE_KABI_NUM_SSRC + 1; }
static void mut_ssrc0(struct rtpe_kmsg *m) { m->target.flags = RTPE_KF_SSRC_CHECK; }
static void mut_resv0(struct rtpe_kmsg *m) { m->target.reserved0 = 1; }
static void mut_expect(struct rtpe_kmsg *m) { m->target.expected_src.family = 7; }
static void mut_cipher(struct rtpe_kmsg *m) { m->target.decrypt.cipher = RTPE_KCIPHER_AES_CM_128;
	m->target.decrypt.master_key_len = 16; m->target.decrypt.master_salt_len = 14; }
static void mut_hmac(struct rtpe_kmsg *m) { m->target.encrypt.hmac = RTPE_KHMAC_SHA1; }
static void mut_f8(struct rtpe_kmsg *m) { m->target.decrypt.cipher = RTPE_KCIPHER_AES_F8;
	m->target.decrypt.hmac = RTPE_KHMAC_SHA1; m->target.decrypt.master_key_len = 16;
	m->target.decrypt.master_salt_len = 14; m->target.decrypt.rtp_auth_tag_len = 10;
	m->target.decrypt.rtcp_auth_tag_len = 10; }
static void mut_cipher_bad(struct rtpe_kmsg *m) { m->target.encrypt.cipher = 99; }
static void mut_keylen(struct rtpe_kmsg *m) { m->target.decrypt.cipher = RTPE_KCIPHER_AES_CM_128;
	m->target.decrypt.master_key_len = 33; }
static void mut_saltlen(struct rtpe_kmsg *m) { m->target.encrypt.master_salt_len = 17; }

static void cmd_badwrites(void)
{
	static const struct bad_case cases[] = {
		{ "wrong magic", -EINVAL, mut_magic },
		{ "wrong version", -EINVAL, mut_version },
		{ "wrong size field", -EINVAL, mut_size },
		{ "unknown command", -EINVAL, mut_cmd },
		{ "command 0", -EINVAL, mut_cmd0 },
		{ "reserved header field", -EINVAL, mut_reserved },
		{ "unknown family", -EINVAL, mut_family },
		{ "destination without family", -EINVAL, mut_nofamily },
		{ "local port 0", -EINVAL, mut_port0 },
		{ "destination port 0", -EINVAL, mut_dstport0 },
		{ "IPv4 address with junk", -EINVAL, mut_v4junk },
		{ "send-from and destination families differ", -EINVAL, mut_mixed },
		{ "destination is the local address", -ELOOP, mut_loop },
		{ "unknown flag", -EINVAL, mut_flags },
		{ "too many payload types", -EINVAL, mut_numpt },
		{ "payload type 200", -EINVAL, mut_pt },
		{ "too many SSRCs", -EINVAL, mut_numssrc },
		{ "SSRC check without SSRCs", -EINVAL, mut_ssrc0 },
		{ "reserved target field", -EINVAL, mut_resv0 },
		{ "bad expected-source family", -EINVAL, mut_expect },
		{ "SRTP AES-CM-128 without HMAC (unauthenticated, not in the kernel)", -EOPNOTSUPP, mut_cipher },
		{ "SRTP NULL/HMAC-SHA1 without a master key", -EINVAL, mut_hmac },
		{ "SRTP AES-F8 (not in the kernel)", -EOPNOTSUPP, mut_f8 },
		{ "unknown cipher", -EINVAL, mut_cipher_bad },
		{ "master key of 33 bytes", -EINVAL, mut_keylen },
		{ "master salt of 17 bytes", -EINVAL, mut_saltlen },
	};
	char why[300];
	int ok, e, fd;
	struct rtpe_kmsg m;
	unsigned char big[sizeof(m) + 64];

	main_ctl("add 2");
	fd = open_table(2);
	if (fd < 0) {
		result("bad_write_size", 0, "open 2/control: %s", strerror(errno));
		return;
	}

	/* lengths */
	m = new_msg(RTPE_KCMD_ADD_TARGET);
	base_target(&m);
	memset(big, 0, sizeof(big));
	memcpy(big, &m, sizeof(m));
	ok = 1;
	snprintf(why, sizeof(why), "0, 1, 16, size-1, size+1, size+64 bytes: EINVAL");
	static const size_t lens[] = { 0, 1, 16, sizeof(m) - 1, sizeof(m) + 1, sizeof(m) + 64 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		e = send_msg(fd, big, lens[i]);
		if (lens[i] == 0 && e == 0)
			continue; /* a zero-length write may never reach the module */
		if (e != -EINVAL) {
			ok = 0;
			snprintf(why, sizeof(why), "write of %zu bytes gave %d", lens[i], e);
			break;
		}
	}
	result("bad_write_size", ok, "%s", why);

	/* each malformed field */
	ok = 1;
	snprintf(why, sizeof(why), "%zu malformed messages refused with their errno", sizeof(cases) / sizeof(cases[0]));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = new_msg(RTPE_KCMD_ADD_TARGET);
		base_target(&m);
		cases[i].mutate(&m);
		e = send_msg(fd, &m, sizeof(m));
		if (e != cases[i].want) {
			ok = 0;
			snprintf(why, sizeof(why), "%s: got %d (%s), want %d", cases[i].name, e, strerror(-e), cases[i].want);
			if (e == 0) {
				m.cmd = RTPE_KCMD_DEL_TARGET;
				send_msg(fd, &m, sizeof(m));
			}
			break;
		}
	}
	char buf[256];
	read_file("/proc/rtpengine/2/status", buf, sizeof(buf));
	if (ok && !strstr(buf, "Targets:     0\n")) {
		ok = 0;
		snprintf(why, sizeof(why), "a refused message left a target: %s", buf);
	}
	result("bad_write_fields", ok, "%s", why);

	/* missing and duplicate targets */
	ok = 1;
	snprintf(why, sizeof(why), "delete/update of a missing target ENOENT, duplicate add EEXIST");
	m = new_msg(RTPE_KCMD_DEL_TARGET);
	base_target(&m);
	{
		/* each command in turn, with the answer it must get; the first wrong one is reported */
		static const struct {
			unsigned int cmd;
			int want;
			const char *what;
		} steps[] = {
			{ RTPE_KCMD_DEL_TARGET, -ENOENT, "delete of a missing target" },
			{ RTPE_KCMD_UPDATE_TARGET, -ENOENT, "update of a missing target" },
			{ RTPE_KCMD_ADD_TARGET, 0, "valid add" },
			{ RTPE_KCMD_ADD_TARGET, -EEXIST, "duplicate add" },
			{ RTPE_KCMD_DEL_TARGET, 0, "delete" },
			{ RTPE_KCMD_DEL_TARGET, -ENOENT, "second delete" },
		};
		for (size_t i = 0; ok && i < sizeof(steps) / sizeof(steps[0]); i++) {
			m.cmd = steps[i].cmd;
			if ((e = send_msg(fd, &m, sizeof(m))) != steps[i].want) {
				ok = 0;
				snprintf(why, sizeof(why), "%s gave %d", steps[i].what, e);
			}
		}
	}
	result("bad_write_missing_duplicate", ok, "%s", why);

	/* blist reads shorter than a record */
	{
		int bfd = open("/proc/rtpengine/2/blist", O_RDONLY);
		ssize_t n = bfd >= 0 ? read(bfd, buf, 16) : -2;
		int en = errno;

		ok = n == -1 && en == EINVAL;
		result("blist_short_read", ok, "read of 16 bytes: %zd errno %d (want EINVAL)", n, en);
		if (bfd >= 0)
			close(bfd);
	}

	/* random garbage, with and without a valid header: an error or a valid target, never an oops */
	unsigned int seed = 12345, accepted = 0, refused = 0;
	ok = 1;
	for (int i = 0; i < 3000; i++) {
		unsigned char *p = (unsigned char *)&m;

		for (size_t j = 0; j < sizeof(m); j++) {
			seed = seed * 1103515245u + 12345u;
			p[j] = seed >> 16;
		}
		if (i % 2) {
			m.magic = RTPE_KABI_MAGIC;
			m.version = RTPE_KABI_VERSION;
			m.size = sizeof(m);
			m.cmd = 1 + i % 3;
			m.reserved = 0;
			if (i % 4 == 1) { /* mostly sane, a few fields random */
				base_target(&m);
				m.target.local.port = 1 + (seed % 5000);
				memset(&m.target.expected_src, 0, sizeof(m.target.expected_src));
				m.target.flags &= RTPE_KF_ALL & ~RTPE_KF_SSRC_CHECK;
				m.target.num_pt %= 8;
				m.target.num_ssrc %= 5;
				m.target.reserved0 = m.target.reserved1 = 0;
				memset(&m.target.decrypt, 0, sizeof(m.target.decrypt));
				memset(&m.target.encrypt, 0, sizeof(m.target.encrypt));
				for (int k = 0; k < 8; k++)
					m.target.pt[k] &= 0x7f;
			}
		}
		e = send_msg(fd, &m, sizeof(m));
		if (e == 0)
			accepted++;
		else if (e == -EINVAL || e == -ENOENT || e == -EEXIST || e == -EOPNOTSUPP || e == -ELOOP)
			refused++;
		else {
			ok = 0;
			snprintf(why, sizeof(why), "message %d gave unexpected %d", i, e);
			break;
		}
	}
	close(fd);
	if (ok && (e = main_ctl("del 2")) != 0) {
		ok = 0;
		snprintf(why, sizeof(why), "del 2 after the garbage: %s", strerror(-e));
	}
	if (ok)
		snprintf(why, sizeof(why), "3000 messages: %u accepted, %u refused, table deleted", accepted, refused);
	result("bad_write_garbage", ok && refused > 1000 && accepted > 10, "%s", why);

	/* a table that does not exist */
	fd = open_table(11);
	e = errno;
	result("bad_write_no_table", fd < 0 && e == ENOENT, "open of 11/control: fd %d errno %d (want ENOENT)", fd, e);
	if (fd >= 0)
		close(fd);
}

/* ---- forwarding ---- */

struct fwd_case {
	const char *name;
	const char *peer;   /* sender, the expected source */
	unsigned int peer_port;
	const char *local;  /* where the packet arrives, the daemon's socket */
	unsigned int local_port;
	const char *out_src; /* send-from */
	unsigned int out_src_port;
	const char *dst;    /* receiver */
	unsigned int dst_port;
};

/* Sends n RTP packets peer -> local and checks they reach dst from out_src, not the local socket. */
static int forward_check(int ctl, unsigned int table, const struct fwd_case *fc, int n, char *why, size_t wl,
		int keep)
{
	int sp = udp_bound(fc->peer, fc->peer_port);
	int sl = udp_bound(fc->local, fc->local_port);
	int sd = udp_bound(fc->dst, fc->dst_port);
	struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
	struct rtpe_kstats_record recs[16];
	unsigned char pkt[256];
	int ok = 0, got = 0, bad = 0, e;
	struct rx r;

	if (sp < 0 || sl < 0 || sd < 0) {
		snprintf(why, wl, "cannot bind sockets");
		goto out;
	}
	m.target.local = kaddr(fc->local, fc->local_port);
	m.target.expected_src = kaddr(fc->peer, fc->peer_port);
	m.target.src = kaddr(fc->out_src, fc->out_src_port);
	m.target.dst = kaddr(fc->dst, fc->dst_port);
	m.target.stats_slot = fc->local_port;
	if ((e = send_msg(ctl, &m, sizeof(m))) != 0) {
		snprintf(why, wl, "add target: %s", strerror(-e));
		goto out;
	}
	unsigned long long t0 = now_us();
	for (int i = 0; i < n; i++) {
		size_t len = rtp_packet(pkt, 8, 100 + i, 0xabc00000u + fc->local_port, 160);

		send_to(sp, fc->local, fc->local_port, pkt, len);
		if (recv_one(sd, 1000, &r)) {
			if (r.len == (ssize_t)len && !memcmp(r.buf, pkt, len) && !strcmp(r.from, fc->out_src)
					&& r.from_port == fc->out_src_port)
				got++;
			else
				bad++;
		}
	}
	unsigned long long t1 = now_us();
	int leaked = drain(sl, 200);
	int nrec = read_blist(table, recs, 16);
	const struct rtpe_kstats_record *rec = nrec > 0 ? find_rec(recs, nrec, &m.target.local) : NULL;

	if (got != n || bad || leaked) {
		snprintf(why, wl, "%d of %d forwarded intact from %s:%u, %d wrong, %d reached the local socket", got, n,
				fc->out_src, fc->out_src_port, bad, leaked);
	} else if (!rec) {
		snprintf(why, wl, "no blist record (%d records)", nrec);
	} else if (rec->packets != (unsigned)n || rec->bytes != (unsigned)n * 172 || rec->errors) {
		snprintf(why, wl, "blist counters %llu packets %llu bytes %llu errors, want %d %d 0",
				(unsigned long long)rec->packets, (unsigned long long)rec->bytes,
				(unsigned long long)rec->errors, n, n * 172);
	} else if (rec->last_packet_us < t0 || rec->last_packet_us > t1 + 1000) {
		snprintf(why, wl, "last packet time %llu outside [%llu, %llu]", (unsigned long long)rec->last_packet_us,
				t0, t1);
	} else {
		ok = 1;
		snprintf(why, wl, "%d packets %s:%u -> %s:%u, counters %llu/%llu", n, fc->out_src, fc->out_src_port,
				fc->dst, fc->dst_port, (unsigned long long)rec->packets, (unsigned long long)rec->bytes);
	}
	if (!keep) {
		m.cmd = RTPE_KCMD_DEL_TARGET;
		send_msg(ctl, &m, sizeof(m));
	}
out:
	if (sp >= 0)
		close(sp);
	if (sl >= 0)
		close(sl);
	if (sd >= 0)
		close(sd);
	return ok;
}

static const struct fwd_case fwd_cases[] = {
	{ "fwd_ipv4_to_ipv4", "127.0.0.1", 5000, "127.0.0.1", 6000, "127.0.0.1", 6002, "127.0.0.1", 7000 },
	{ "fwd_ipv6_to_ipv6", "fd00::2", 5100, "fd00::1", 6100, "fd00::1", 6102, "fd00::2", 7100 },
	{ "fwd_ipv4_to_ipv6", "127.0.0.1", 5200, "127.0.0.1", 6200, "fd00::1", 6202, "fd00::2", 7200 },
	{ "fwd_ipv6_to_ipv4", "fd00::2", 5300, "fd00::1", 6300, "127.0.0.1", 6302, "127.0.0.1", 7300 },
};

/* Sends one packet and says where it went: 1 forwarded to sd, 0 to the local socket, -1 neither/both. */
static int where(int sp, int sl, int sd, const char *lip, unsigned int lport, const void *pkt, size_t len)
{
	send_to(sp, lip, lport, pkt, len);
	int fwd = drain(sd, 300);
	int loc = drain(sl, fwd ? 50 : 300);

	if (fwd == 1 && loc == 0)
		return 1;
	if (fwd == 0 && loc == 1)
		return 0;
	return -1;
}

static void cmd_forward(unsigned int table)
{
	char why[400];
	int ctl, ok, e;
	struct rtpe_kstats_record recs[16];
	unsigned char pkt[256];
	size_t len;

	{
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "add %u", table);
		main_ctl(cmd);
	}
	ctl = open_table(table);
	if (ctl < 0) {
		result("fwd_ipv4_to_ipv4", 0, "open control: %s", strerror(errno));
		return;
	}

	for (size_t i = 0; i < sizeof(fwd_cases) / sizeof(fwd_cases[0]); i++) {
		ok = forward_check(ctl, table, &fwd_cases[i], 10, why, sizeof(why), i == 0);
		result(fwd_cases[i].name, ok, "%s", why);
	}

	/* the first target stays: its blist record, its list text, its SSRC counts */
	struct rtpe_kaddr l4 = kaddr("127.0.0.1", 6000);
	int nrec = read_blist(table, recs, 16);
	const struct rtpe_kstats_record *rec = nrec > 0 ? find_rec(recs, nrec, &l4) : NULL;
	ok = rec && rec->magic == RTPE_KABI_MAGIC && rec->version == RTPE_KABI_VERSION && rec->size == sizeof(*rec)
		&& rec->target.stats_slot == 6000 && rec->target.dst.port == 7000
		&& rec->ssrc_stats[0].ssrc == 0xabc00000u + 6000 && rec->ssrc_stats[0].packets == 10
		&& rec->ssrc_stats[0].bytes == 10 * 172 && rec->ssrc_stats[1].packets == 0;
	result("blist_record", ok, "%d records; slot %u, SSRC %08x: %llu packets %llu bytes", nrec,
			rec ? rec->target.stats_slot : 0, rec ? rec->ssrc_stats[0].ssrc : 0,
			rec ? (unsigned long long)rec->ssrc_stats[0].packets : 0ull,
			rec ? (unsigned long long)rec->ssrc_stats[0].bytes : 0ull);

	{
		static char list[16384];
		char want1[128], want2[128], want3[64];

		char path[64];

		snprintf(path, sizeof(path), "/proc/rtpengine/%u/list", table);
		read_file(path, list, sizeof(list));
		snprintf(want1, sizeof(want1), "local inet4 127.0.0.1:6000\n");
		snprintf(want2, sizeof(want2), "stats: %llu bytes, %llu packets, 0 errors",
				rec ? (unsigned long long)rec->bytes : 0ull, rec ? (unsigned long long)rec->packets : 0ull);
		snprintf(want3, sizeof(want3), "last packet: %llu.", rec ? (unsigned long long)rec->last_packet_us / 1000000 : 0ull);
		char *p = strstr(list, want1);
		ok = rec && p && strstr(p, want2) && strstr(p, want3) && strstr(p, "SSRC abc01770: 10 packets")
			&& strstr(p, "output src inet4 127.0.0.1:6002 dst inet4 127.0.0.1:7000");
		result("list_text", ok, "%s", ok ? "target, counters, last packet, SSRC and output in list" : list);
	}

	/* expected source mismatch: to userspace, counted as such */
	{
		int sp = udp_bound("127.0.0.1", 5001), sl = udp_bound("127.0.0.1", 6000), sd = udp_bound("127.0.0.1", 7000);
		int sp_ok = udp_bound("127.0.0.1", 5000);

		len = rtp_packet(pkt, 8, 1, 0xabc00000u + 6000, 160);
		int w_bad = where(sp, sl, sd, "127.0.0.1", 6000, pkt, len);
		int w_good = where(sp_ok, sl, sd, "127.0.0.1", 6000, pkt, len);
		nrec = read_blist(table, recs, 16);
		rec = nrec > 0 ? find_rec(recs, nrec, &l4) : NULL;
		ok = w_bad == 0 && w_good == 1 && rec && rec->userspace == 1 && rec->packets == 11;
		result("expected_source_mismatch", ok,
				"from 5001: %s; from 5000: %s; userspace counter %llu, packets %llu",
				w_bad == 0 ? "local socket" : w_bad == 1 ? "forwarded" : "lost",
				w_good == 1 ? "forwarded" : w_good == 0 ? "local socket" : "lost",
				rec ? (unsigned long long)rec->userspace : 0ull, rec ? (unsigned long long)rec->packets : 0ull);

		/* update: new destination, counters kept */
		struct rtpe_kmsg m = new_msg(RTPE_KCMD_UPDATE_TARGET);
		int sd2 = udp_bound("127.0.0.1", 7001);
		m.target.local = l4;
		m.target.expected_src = kaddr("127.0.0.1", 5000);
		m.target.src = kaddr("127.0.0.1", 6002);
		m.target.dst = kaddr("127.0.0.1", 7001);
		m.target.tos = 0xb8;
		m.target.stats_slot = 6000;
		e = send_msg(ctl, &m, sizeof(m));
		send_to(sp_ok, "127.0.0.1", 6000, pkt, len);
		struct rx r;
		int got2 = recv_one(sd2, 1000, &r);
		int old = drain(sd, 200);
		nrec = read_blist(table, recs, 16);
		rec = nrec > 0 ? find_rec(recs, nrec, &l4) : NULL;
		ok = !e && got2 && !old && rec && rec->packets == 12 && rec->target.dst.port == 7001;
		result("target_update", ok, "update %d; new destination got %d, old %d; packets %llu (want 12)", e, got2, old,
				rec ? (unsigned long long)rec->packets : 0ull);
		result("tos", got2 && r.tos == 0xb8, "forwarded packet TOS 0x%02x, want 0xb8", got2 ? r.tos : -1);

		/* delete: back to userspace; the control file hands the target's last record back once */
		m.cmd = RTPE_KCMD_DEL_TARGET;
		e = send_msg(ctl, &m, sizeof(m));
		{
			static struct rtpe_kstats_record last;
			char small[16];
			ssize_t short_read = read(ctl, small, sizeof(small));
			int short_errno = errno;
			ssize_t first = read(ctl, &last, sizeof(last)), again = read(ctl, &last + 0, sizeof(last));

			/* the short read failed before taking the record: the first full one has it */
			result("target_delete_record", !e && short_read < 0 && short_errno == EINVAL &&
			       first == (ssize_t)sizeof(last) && again == 0 && last.magic == RTPE_KABI_MAGIC &&
			       last.packets == 12 && !memcmp(&last.target.local, &l4, sizeof(l4)),
			       "read after delete: short buffer %zd (errno %d), then %zd bytes with %llu packets (want 12), "
			       "then %zd", short_read, short_errno, first, (unsigned long long)last.packets, again);
		}
		int w_del = where(sp_ok, sl, sd2, "127.0.0.1", 6000, pkt, len);
		nrec = read_blist(table, recs, 16);
		rec = nrec >= 0 ? find_rec(recs, nrec, &l4) : NULL;
		ok = !e && w_del == 0 && nrec >= 0 && !rec;
		result("target_delete", ok, "delete %d; next packet %s; record %s", e,
				w_del == 0 ? "to the local socket" : w_del == 1 ? "still forwarded" : "lost",
				rec ? "still in blist" : "gone");
		close(sp); close(sl); close(sd); close(sd2); close(sp_ok);
	}

	/* payload-type filter, SSRC check, RTP-only, RTCP */
	{
		int sp = udp_bound("127.0.0.1", 5400), sl = udp_bound("127.0.0.1", 6400), sd = udp_bound("127.0.0.1", 7400);
		struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
		struct rtpe_kaddr l = kaddr("127.0.0.1", 6400);

		m.target.local = l;
		m.target.src = kaddr("127.0.0.1", 6402);
		m.target.dst = kaddr("127.0.0.1", 7400);
		m.target.flags = RTPE_KF_PT_FILTER;
		m.target.num_pt = 2;
		m.target.pt[0] = 0;
		m.target.pt[1] = 8;
		e = send_msg(ctl, &m, sizeof(m));
		int w0 = where(sp, sl, sd, "127.0.0.1", 6400, pkt, rtp_packet(pkt, 0, 1, 1, 160));
		int w8 = where(sp, sl, sd, "127.0.0.1", 6400, pkt, rtp_packet(pkt, 8, 2, 1, 160));
		int w96 = where(sp, sl, sd, "127.0.0.1", 6400, pkt, rtp_packet(pkt, 96, 3, 1, 160));
		int w8m = where(sp, sl, sd, "127.0.0.1", 6400, pkt, rtp_packet(pkt, 8 | 0x80, 4, 1, 160)); /* marker */
		pkt[0] = 0x80; pkt[1] = 200; /* RTCP SR muxed */
		int wrtcp = where(sp, sl, sd, "127.0.0.1", 6400, pkt, 28);
		nrec = read_blist(table, recs, 16);
		rec = nrec > 0 ? find_rec(recs, nrec, &l) : NULL;
		ok = !e && w0 == 1 && w8 == 1 && w96 == 0 && w8m == 1 && wrtcp == 0 && rec && rec->pt_packets[0] == 1
			&& rec->pt_packets[1] == 2 && rec->userspace == 2;
		result("payload_type_filter", ok,
				"add %d; PT 0 %d, PT 8 %d, PT 96 %d, PT 8+marker %d, RTCP %d (1 = forwarded, 0 = userspace); "
				"per-PT %llu/%llu, userspace %llu", e, w0, w8, w96, w8m, wrtcp,
				rec ? (unsigned long long)rec->pt_packets[0] : 0ull, rec ? (unsigned long long)rec->pt_packets[1] : 0ull,
				rec ? (unsigned long long)rec->userspace : 0ull);

		m.cmd = RTPE_KCMD_UPDATE_TARGET;
		m.target.flags = RTPE_KF_SSRC_CHECK;
		m.target.num_pt = 0;
		m.target.num_ssrc = 2;
		m.target.ssrc[0] = 0x11111111;
		m.target.ssrc[1] = 0x22222222;
		e = send_msg(ctl, &m, sizeof(m));
		int s1 = where(sp, sl, sd, "127.0.0.1", 6400, pkt, rtp_packet(pkt, 0, 5, 0x11111111, 100));
		int s2 = where(sp, sl, sd, "127.0.0.1", 6400, pkt, rtp_packet(pkt, 0, 6, 0x22222222, 100));
		int s2b = where(sp, sl, sd, "127.0.0.1", 6400, pkt, rtp_packet(pkt, 0, 7, 0x22222222, 100));
		int s3 = where(sp, sl, sd, "127.0.0.1", 6400, pkt, rtp_packet(pkt, 0, 8, 0x33333333, 100));
		nrec = read_blist(table, recs, 16);
		rec = nrec > 0 ? find_rec(recs, nrec, &l) : NULL;
		ok = !e && s1 == 1 && s2 == 1 && s2b == 1 && s3 == 0 && rec && rec->ssrc_stats[0].ssrc == 0x11111111
			&& rec->ssrc_stats[0].packets == 1 && rec->ssrc_stats[1].ssrc == 0x22222222
			&& rec->ssrc_stats[1].packets == 2 && rec->ssrc_stats[1].bytes == 224;
		result("ssrc_check", ok, "update %d; listed SSRCs %d %d %d, other SSRC %d; per-SSRC %llu, %llu packets", e, s1, s2,
				s2b, s3, rec ? (unsigned long long)rec->ssrc_stats[0].packets : 0ull,
				rec ? (unsigned long long)rec->ssrc_stats[1].packets : 0ull);

		m.target.flags = RTPE_KF_RTP_ONLY;
		m.target.num_ssrc = 0;
		e = send_msg(ctl, &m, sizeof(m));
		int r1 = where(sp, sl, sd, "127.0.0.1", 6400, pkt, rtp_packet(pkt, 111, 9, 5, 20));
		int r2 = where(sp, sl, sd, "127.0.0.1", 6400, "hello, not RTP", 14);
		m.target.flags = 0;
		int e2 = send_msg(ctl, &m, sizeof(m));
		int r3 = where(sp, sl, sd, "127.0.0.1", 6400, "hello, not RTP", 14);
		ok = !e && !e2 && r1 == 1 && r2 == 0 && r3 == 1;
		result("rtp_only", ok, "RTP-only: RTP %d, other %d; without the flag other %d", r1, r2, r3);

		m.target.flags = RTPE_KF_RTCP;
		e = send_msg(ctl, &m, sizeof(m));
		pkt[0] = 0x80; pkt[1] = 200; memset(pkt + 2, 0, 26);
		int c1 = where(sp, sl, sd, "127.0.0.1", 6400, pkt, 28);
		ok = !e && c1 == 1;
		result("rtcp_target", ok, "update %d; RTCP on an RTCP target %s", e, c1 == 1 ? "forwarded" : "not forwarded");

		m.cmd = RTPE_KCMD_DEL_TARGET;
		send_msg(ctl, &m, sizeof(m));
		close(sp); close(sl); close(sd);
	}

	/* a destination without a route: counted as an error, the packet dropped */
	{
		int sp = udp_bound("fd00::2", 5500), sl = udp_bound("fd00::1", 6500);
		struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
		struct rtpe_kaddr l = kaddr("fd00::1", 6500);

		m.target.local = l;
		m.target.src = kaddr("fd00::1", 6502);
		m.target.dst = kaddr("2001:db8::1", 7500);
		e = send_msg(ctl, &m, sizeof(m));
		len = rtp_packet(pkt, 0, 1, 1, 50);
		send_to(sp, "fd00::1", 6500, pkt, len);
		send_to(sp, "fd00::1", 6500, pkt, len);
		int loc = drain(sl, 300);
		nrec = read_blist(table, recs, 16);
		rec = nrec > 0 ? find_rec(recs, nrec, &l) : NULL;
		ok = !e && rec && rec->errors == 2 && rec->packets == 0 && loc == 0;
		result("error_counter", ok, "add %d; errors %llu packets %llu, %d at the local socket", e,
				rec ? (unsigned long long)rec->errors : 0ull, rec ? (unsigned long long)rec->packets : 0ull, loc);
		m.cmd = RTPE_KCMD_DEL_TARGET;
		send_msg(ctl, &m, sizeof(m));
		close(sp); close(sl);
	}

	/* a bad UDP checksum is not forwarded (nor delivered); the same packet with a right one is */
	{
		int raw = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
		int sl = udp_bound("127.0.0.1", 6700), sd = udp_bound("127.0.0.1", 7700);
		struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
		struct rtpe_kaddr l = kaddr("127.0.0.1", 6700);
		unsigned char dg[8 + 172];
		struct sockaddr_in to = { .sin_family = AF_INET };
		unsigned long sum;
		int fwd_bad, loc_bad, fwd_good;

		m.target.local = l;
		m.target.src = kaddr("127.0.0.1", 6702);
		m.target.dst = kaddr("127.0.0.1", 7700);
		e = send_msg(ctl, &m, sizeof(m));
		len = rtp_packet(dg + 8, 0, 1, 7, 160);
		dg[0] = 5701 >> 8; dg[1] = 5701 & 0xff; dg[2] = 6700 >> 8; dg[3] = 6700 & 0xff;
		dg[4] = (8 + len) >> 8; dg[5] = (8 + len) & 0xff; dg[6] = dg[7] = 0;
		/* checksum over the pseudo header (127.0.0.1 -> 127.0.0.1) and the datagram */
		sum = 0x7f00 + 0x0001 + 0x7f00 + 0x0001 + IPPROTO_UDP + 8 + len;
		for (size_t i = 0; i < 8 + len; i += 2)
			sum += (dg[i] << 8) | (i + 1 < 8 + len ? dg[i + 1] : 0);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
		dg[6] = (sum ^ 0x5a5a) >> 8; dg[7] = (sum ^ 0x5a5a) & 0xff;
		sendto(raw, dg, 8 + len, 0, (void *)&to, sizeof(to));
		fwd_bad = drain(sd, 300);
		loc_bad = drain(sl, 50);
		dg[6] = sum >> 8; dg[7] = sum & 0xff;
		sendto(raw, dg, 8 + len, 0, (void *)&to, sizeof(to));
		fwd_good = drain(sd, 500);
		ok = raw >= 0 && !e && fwd_bad == 0 && loc_bad == 0 && fwd_good == 1;
		result("bad_udp_checksum", ok, "raw socket %d, add %d; bad checksum: %d forwarded, %d delivered; "
				"right checksum: %d forwarded", raw, e, fwd_bad, loc_bad, fwd_good);
		m.cmd = RTPE_KCMD_DEL_TARGET;
		send_msg(ctl, &m, sizeof(m));
		close(raw); close(sl); close(sd);
	}

	/* without a target nothing changes: the packet reaches the socket */
	{
		int sp = udp_bound("127.0.0.1", 5600), sl = udp_bound("127.0.0.1", 6600);

		send_to(sp, "127.0.0.1", 6600, "plain", 5);
		int loc = drain(sl, 500);
		result("no_target_passthrough", loc == 1, "%d packets reached the socket without a target", loc);
		close(sp); close(sl);
	}
	close(ctl);
}

static void cmd_quick(unsigned int table, const char *prefix)
{
	char name[64], why[300];
	int ctl;

	{
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "add %u", table);
		main_ctl(cmd);
	}
	ctl = open_table(table);
	for (size_t i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%s_%s", prefix, fwd_cases[i].name);
		int ok = ctl >= 0 && forward_check(ctl, table, &fwd_cases[i], 5, why, sizeof(why), 0);
		result(name, ok, "%s", ctl < 0 ? strerror(errno) : why);
	}
	if (ctl >= 0)
		close(ctl);
}

static void cmd_populate(unsigned int table)
{
	char cmd[32];
	int ctl, e = 0;
	struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);

	snprintf(cmd, sizeof(cmd), "add %u", table);
	e = main_ctl(cmd);
	ctl = open_table(table);
	m.target.src = kaddr("fd00::1", 30000);
	m.target.dst = kaddr("fd00::2", 30001);
	for (int i = 0; ctl >= 0 && !e && i < 200; i++) {
		m.target.local = kaddr(i % 2 ? "127.0.0.1" : "fd00::1", 20000 + i);
		e = send_msg(ctl, &m, sizeof(m));
	}
	result("populate", ctl >= 0 && !e, "table %u with 200 targets: %s", table, e ? strerror(-e) : "ok");
	if (ctl >= 0)
		close(ctl);
}

static void cmd_fill(unsigned int table, int count, const char *name)
{
	int ctl, e = 0, i;
	struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);

	ctl = open_table(table);
	if (ctl < 0)
		e = -errno;
	m.target.src = kaddr("127.0.0.1", 30000);
	m.target.dst = kaddr("127.0.0.1", 30001);
	for (i = 0; ctl >= 0 && !e && i < count; i++) {
		m.target.local = kaddr("127.0.0.1", 21000 + i);
		e = send_msg(ctl, &m, sizeof(m));
	}
	result(name, ctl >= 0 && !e, "%d targets into table %u: %s", count, table, e ? strerror(-e) : "ok");
	if (ctl >= 0)
		close(ctl);
}


/* An ng request to the daemon at 127.0.0.1:port (guest.h), 1000 ms per try. */
static ssize_t ng_request(unsigned int port, const char *request, char *buf, size_t size)
{
	return ng_request_wait(port, request, buf, size, 1000);
}

static void cmd_ngping(unsigned int port, const char *name)
{
	static const char pong[] = "1 d6:result4:ponge";
	char buf[256];
	ssize_t n = ng_request(port, "1 d7:command4:pinge", buf, sizeof(buf));

	result(name, n == (ssize_t)strlen(pong) && !memcmp(buf, pong, strlen(pong)), "ng ping to port %u: %s", port,
	       n >= 0 ? buf : "no answer");
}

/* The port of the first m=audio line in an ng reply's SDP; 0 when there is none. */
static unsigned int sdp_audio_port(const char *reply)
{
	const char *m = strstr(reply, "m=audio ");

	return m ? (unsigned int)atoi(m + 8) : 0;
}

/* An offer or answer: a PCMU SDP with its media at 127.0.0.1:media_port. */
static ssize_t ng_sdp(unsigned int port, const char *command, const char *call_id, const char *tags,
		      unsigned int media_port, char *buf, size_t size)
{
	char sdp[256], request[640];

	snprintf(sdp, sizeof(sdp),
		 "v=0\r\no=k 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio %u RTP/AVP 0\r\na=sendrecv\r\n", media_port);
	snprintf(request, sizeof(request), "2 d7:command%zu:%s7:call-id%zu:%s%s3:sdp%zu:%se", strlen(command),
		 command, strlen(call_id), call_id, tags, strlen(sdp), sdp);
	return ng_request(port, request, buf, size);
}

/* Sends count RTP packets each way (a -> a_to, b -> b_to), 10 ms apart; how many each end
 * got, from where it had to come. */
static void exchange(int a, int b, unsigned int a_to, unsigned int b_to, int count, uint16_t *seq, int *got_a,
		     int *got_b)
{
	unsigned char pkt[172], in[2048];
	struct sockaddr_in from;
	socklen_t fl;

	memset(pkt, 0xff, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = 0;
	*got_a = *got_b = 0;
	for (int i = 0; i < count; i++, (*seq)++) {
		pkt[2] = *seq >> 8;
		pkt[3] = *seq & 0xff;
		pkt[11] = 0xa1;
		send_to(a, "127.0.0.1", a_to, pkt, sizeof(pkt));
		pkt[11] = 0xb2;
		send_to(b, "127.0.0.1", b_to, pkt, sizeof(pkt));
		usleep(10000);
		for (int s = 0; s < 2; s++) {
			int fd = s ? b : a;

			fl = sizeof(from);
			while (recvfrom(fd, in, sizeof(in), MSG_DONTWAIT, (void *)&from, &fl) == (ssize_t)sizeof(pkt)) {
				/* a hears b's packets from the daemon's a-side port, b hears a's from its b side */
				if (s == 0 && in[11] == 0xb2 && ntohs(from.sin_port) == a_to)
					(*got_a)++;
				if (s == 1 && in[11] == 0xa1 && ntohs(from.sin_port) == b_to)
					(*got_b)++;
				fl = sizeof(from);
			}
		}
	}
}

/* An integer of an ng reply ("...KEYi123e"); -1 when it is not there. */
static long long stat_value(const char *reply, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "%zu:%si", strlen(key), key);
	p = strstr(reply, pat);
	return p ? atoll(p + strlen(pat)) : -1;
}

/* How many "packets" entries of an ng reply have exactly this value. */
static int packets_entries(const char *reply, long long value)
{
	int n = 0;

	for (const char *p = reply; (p = strstr(p, "7:packetsi")); p += 10)
		n += atoll(p + 10) == value;
	return n;
}


/* A call set up (offer and answer) and left running, or deleted at once, as RESULT NAME. */
static void cmd_call(unsigned int port, const char *call_id, const char *name)
{
	char reply[4096];
	unsigned int to_b, to_a;

	ng_sdp(port, "offer", call_id, "8:from-tag1:a", 40000, reply, sizeof(reply));
	to_b = sdp_audio_port(reply);
	ng_sdp(port, "answer", call_id, "8:from-tag1:a6:to-tag1:b", 40002, reply, sizeof(reply));
	to_a = sdp_audio_port(reply);
	result(name, to_a && to_b, "call %s: ports %u and %u", call_id, to_a, to_b);
}

static void cmd_delete(unsigned int port, const char *call_id, const char *name)
{
	char request[256], reply[4096];

	snprintf(request, sizeof(request), "6 d7:command6:delete7:call-id%zu:%s12:delete-delayi0ee", strlen(call_id),
		 call_id);
	ng_request(port, request, reply, sizeof(reply));
	result(name, strstr(reply, "6:result2:ok") != NULL, "delete %s: %.120s", call_id, reply);
}

/* A plain call through the daemon between two fresh sockets: a offers, b answers. */
struct plain_call {
	int a, b;                  /* the participants' sockets */
	unsigned int a_port, b_port; /* their ports */
	unsigned int a_to, b_to;   /* the daemon's ports each sends to */
};

static int port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	getsockname(fd, (void *)&sa, &sl);
	return ntohs(sa.sin_port);
}

static int plain_call_set_up(unsigned int port, const char *call_id, struct plain_call *c)
{
	char reply[8192];

	c->a = udp_bound("127.0.0.1", 0);
	c->b = udp_bound("127.0.0.1", 0);
	c->a_port = port_of(c->a);
	c->b_port = port_of(c->b);
	ng_sdp(port, "offer", call_id, "8:from-tag1:a", c->a_port, reply, sizeof(reply));
	c->b_to = sdp_audio_port(reply);
	ng_sdp(port, "answer", call_id, "8:from-tag1:a6:to-tag1:b", c->b_port, reply, sizeof(reply));
	c->a_to = sdp_audio_port(reply);
	return c->a_to && c->b_to;
}

static void cmd_offload(unsigned int port, unsigned int table)
{
	enum { BEFORE = 5, KERNEL = 60 };
	char reply[8192];
	struct plain_call c;
	int set_up = plain_call_set_up(port, "offload", &c), a = c.a, b = c.b, got_a, got_b, n;
	unsigned int b_port = c.b_port, a_to = c.a_to, b_to = c.b_to;
	static struct rtpe_kstats_record recs[64];
	const struct rtpe_kstats_record *ra, *rb, *ra2, *rb2;
	struct rtpe_kstats_record ra_copy, rb_copy;
	struct rtpe_kaddr la, lb;
	uint16_t seq = 1;
	int counted = 0, rule_gone, a2, moved;
	unsigned int a2_port, moved_a_to, moved_b_to;
	unsigned long long kernel_before;
	char cmd[128];

	result("offload_call_set_up", set_up, "offer/answer gave ports %u (to b) and %u (to a)", b_to, a_to);

	/* Learning settles on the first packets from the SDP addresses; the daemon pushes the
	 * streams within its one-second tick. */
	exchange(a, b, a_to, b_to, BEFORE, &seq, &got_a, &got_b);
	result("offload_userspace_first", got_a == BEFORE && got_b == BEFORE,
	       "before offload: a got %d, b got %d of %d", got_a, got_b, BEFORE);
	for (n = 0; n < 30 && targets_in(table) < 2; n++)
		usleep(100000);
	result("offload_targets_pushed", targets_in(table) == 2, "targets in table %u: %d (RTP each way; RTCP never came)",
	       table, targets_in(table));

	exchange(a, b, a_to, b_to, KERNEL, &seq, &got_a, &got_b);
	result("offload_media_flows", got_a == KERNEL && got_b == KERNEL, "after offload: a got %d, b got %d of %d",
	       got_a, got_b, KERNEL);
	la = kaddr("127.0.0.1", a_to);
	lb = kaddr("127.0.0.1", b_to);
	n = read_blist(table, recs, 64);
	ra = n > 0 ? find_rec(recs, n, &la) : NULL;
	rb = n > 0 ? find_rec(recs, n, &lb) : NULL;
	result("offload_kernel_forwarded", ra && rb && ra->packets >= KERNEL && rb->packets >= KERNEL,
	       "kernel counters: a side %llu, b side %llu (want >= %d each)", ra ? (unsigned long long)ra->packets : 0,
	       rb ? (unsigned long long)rb->packets : 0, KERNEL);
	memset(&ra_copy, 0, sizeof(ra_copy));
	memset(&rb_copy, 0, sizeof(rb_copy));
	if (ra)
		ra_copy = *ra;
	if (rb)
		rb_copy = *rb;
	ra = &ra_copy;
	rb = &rb_copy;
	/* Each RTP stream's counters include what the kernel forwarded, after the next tick. */
	for (n = 0; n < 30 && counted < 2; n++) {
		usleep(100000);
		ng_request(port, "3 d7:command5:query7:call-id7:offloade", reply, sizeof(reply));
		counted = packets_entries(reply, BEFORE + KERNEL);
	}
	result("offload_counted_in_query", counted >= 2, "query: %d streams count %d packets, want both RTP streams",
	       counted, BEFORE + KERNEL);

	/* The statistics tell the kernel's share from userspace's. */
	ng_request(port, "5 d7:command10:statisticse", reply, sizeof(reply));
	result("offload_statistics_kernel_share", stat_value(reply, "relayedpackets_kernel") >= 2 * KERNEL &&
	       stat_value(reply, "relayedpackets_user") == 2 * BEFORE,
	       "relayedpackets_kernel %lld (want >= %d), relayedpackets_user %lld (want the %d before offload)",
	       stat_value(reply, "relayedpackets_kernel"), 2 * KERNEL, stat_value(reply, "relayedpackets_user"),
	       2 * BEFORE);

	/* Without the rule the packets reach the daemon's sockets: it relays them (and says
	 * once that the rule is missing, init.sh checks its log), the kernel counts nothing. */
	snprintf(cmd, sizeof(cmd), "iptables-legacy -D INPUT -p udp -j RTPENGINE --id %u", table);
	rule_gone = system(cmd) == 0;
	exchange(a, b, a_to, b_to, 150, &seq, &got_a, &got_b);
	n = read_blist(table, recs, 64);
	ra2 = n > 0 ? find_rec(recs, n, &la) : NULL;
	rb2 = n > 0 ? find_rec(recs, n, &lb) : NULL;
	result("offload_rule_removed_userspace", rule_gone && got_a == 150 && got_b == 150 && ra2 && rb2 &&
	       ra2->packets == ra->packets && rb2->packets == rb->packets,
	       "rule deleted (%d): a got %d, b got %d of 150; kernel counters %llu/%llu, before %llu/%llu", rule_gone,
	       got_a, got_b, ra2 ? (unsigned long long)ra2->packets : 0, rb2 ? (unsigned long long)rb2->packets : 0,
	       (unsigned long long)ra->packets, (unsigned long long)rb->packets);
	usleep(1500000); /* the daemon's next tick sees it */
	snprintf(cmd, sizeof(cmd), "iptables-legacy -I INPUT -p udp -j RTPENGINE --id %u", table);
	rule_gone = system(cmd) != 0;
	kernel_before = ra2 ? ra2->packets : 0;
	exchange(a, b, a_to, b_to, 30, &seq, &got_a, &got_b);
	n = read_blist(table, recs, 64);
	ra2 = n > 0 ? find_rec(recs, n, &la) : NULL;
	result("offload_rule_back_kernel", !rule_gone && got_a == 30 && got_b == 30 && ra2 &&
	       ra2->packets >= kernel_before + 30,
	       "rule back: a got %d, b got %d of 30; kernel a side %llu, was %llu", got_a, got_b,
	       ra2 ? (unsigned long long)ra2->packets : 0, (unsigned long long)kernel_before);

	/* A re-INVITE moves a to another port: the kernel sends b's media there once the
	 * daemon has learned a's new source, and userspace relays in between. */
	a2 = udp_bound("127.0.0.1", 0);
	a2_port = port_of(a2);
	ng_sdp(port, "offer", "offload", "8:from-tag1:a", a2_port, reply, sizeof(reply));
	moved_b_to = sdp_audio_port(reply);
	ng_sdp(port, "answer", "offload", "8:from-tag1:a6:to-tag1:b", b_port, reply, sizeof(reply));
	moved_a_to = sdp_audio_port(reply);
	/* (as upstream without port-latching, the port facing b changes with a's) */
	lb = kaddr("127.0.0.1", moved_b_to);
	exchange(a2, b, moved_a_to, moved_b_to, BEFORE, &seq, &got_a, &got_b);
	moved = 0;
	for (n = 0; n < 40 && !moved; n++) {
		int k = read_blist(table, recs, 64);
		const struct rtpe_kstats_record *r = k > 0 ? find_rec(recs, k, &lb) : NULL;

		moved = r && r->target.dst.port == a2_port && targets_in(table) == 2;
		if (!moved)
			usleep(100000);
	}
	n = read_blist(table, recs, 64);
	rb2 = n > 0 ? find_rec(recs, n, &lb) : NULL;
	kernel_before = rb2 ? rb2->packets : 0;
	exchange(a2, b, moved_a_to, moved_b_to, KERNEL, &seq, &got_a, &got_b);
	n = read_blist(table, recs, 64);
	rb2 = n > 0 ? find_rec(recs, n, &lb) : NULL;
	result("offload_reinvite_moves", moved_a_to && moved_b_to && moved && got_a == KERNEL && got_b == KERNEL && rb2 &&
	       rb2->packets >= kernel_before + KERNEL && drain(a, 100) == 0,
	       "a moved to port %u (daemon ports now %u/%u, were %u/%u): the target to it %s; then a got %d, b got %d of "
	       "%d, the kernel sent %llu of them to the new port", a2_port, moved_a_to, moved_b_to, a_to, b_to,
	       moved ? "moved" : "NOT moved", got_a, got_b, KERNEL,
	       rb2 ? (unsigned long long)(rb2->packets - kernel_before) : 0);
	close(a2);

	ng_request(port, "4 d7:command6:delete7:call-id7:offload8:from-tag1:a12:delete-delayi0ee", reply, sizeof(reply));
	result("offload_delete_clears", strstr(reply, "6:result2:ok") && targets_in(table) == 0,
	       "after delete: %d targets; %.200s", targets_in(table), reply);
	close(a);
	close(b);
}

/* The module unloaded under a daemon with a call in the kernel (its rule gone first, as
 * rmmod needs): the daemon goes on in userspace, answers, sets up new calls. */
static void cmd_unload(unsigned int port, unsigned int table)
{
	enum { PACKETS = 20 };
	char reply[8192], cmd[128];
	struct plain_call c, d;
	uint16_t seq = 1;
	int got_a, got_b, pushed, unloaded, second;

	plain_call_set_up(port, "unload", &c);
	exchange(c.a, c.b, c.a_to, c.b_to, 5, &seq, &got_a, &got_b);
	for (pushed = 0; pushed < 30 && targets_in(table) < 2; pushed++)
		usleep(100000);
	pushed = targets_in(table) == 2;
	snprintf(cmd, sizeof(cmd), "iptables-legacy -D INPUT -p udp -j RTPENGINE --id %u && rmmod xt_RTPENGINE", table);
	unloaded = system(cmd) == 0 && access("/proc/rtpengine", F_OK) != 0;
	exchange(c.a, c.b, c.a_to, c.b_to, PACKETS, &seq, &got_a, &got_b);
	result("unload_media_goes_on", pushed && unloaded && got_a == PACKETS && got_b == PACKETS,
	       "targets pushed %d, rule deleted and module unloaded %d; then a got %d, b got %d of %d in userspace",
	       pushed, unloaded, got_a, got_b, PACKETS);
	second = plain_call_set_up(port, "after-unload", &d);
	exchange(d.a, d.b, d.a_to, d.b_to, PACKETS, &seq, &got_a, &got_b);
	ng_request(port, "2 d7:command5:query7:call-id6:unloade", reply, sizeof(reply));
	result("unload_daemon_serves", second && got_a == PACKETS && got_b == PACKETS &&
	       strstr(reply, "6:result2:ok") && packets_entries(reply, 5 + PACKETS) >= 2,
	       "a new call set up %d, its media a %d b %d of %d; the first call's query counts %d streams of %d",
	       second, got_a, got_b, PACKETS, packets_entries(reply, 5 + PACKETS), 5 + PACKETS);
	close(c.a);
	close(c.b);
	close(d.a);
	close(d.b);
}

/* ktest muxcall: an offerer multiplexing RTCP (RFC 5761, rtcp-mux=demux towards a plain
 * answerer): RTP both ways and the answerer's RTCP go through the kernel, the offerer's
 * muxed RTCP through userspace. */
static void cmd_muxcall(unsigned int port, unsigned int table)
{
	enum { N = 20 };
	static struct rtpe_kstats_record recs[64];
	const struct rtpe_kstats_record *r;
	char sdp[512], request[1024], reply[8192];
	int a = udp_bound("127.0.0.1", 0), b = udp_bound("127.0.0.1", 40100), b_rtcp = udp_bound("127.0.0.1", 40101);
	unsigned int a_to, b_to, a_port = port_of(a);
	unsigned char rtp[172], sr[28];
	int offer_plain, answer_mux, n, a_rtp = 0, a_rtcp = 0, b_rtp = 0, b_got_rtcp = 0, targets;
	struct rtpe_kaddr l_b_rtcp;
	struct rx rx;

	snprintf(sdp, sizeof(sdp),
		 "v=0\r\no=k 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio %u RTP/AVP 0\r\na=rtcp-mux\r\na=sendrecv\r\n", a_port);
	snprintf(request, sizeof(request), "1 d7:command5:offer7:call-id7:muxcall8:from-tag1:a8:rtcp-muxl5:demuxe"
		 "3:sdp%zu:%se", strlen(sdp), sdp);
	ng_request(port, request, reply, sizeof(reply));
	b_to = sdp_audio_port(reply);
	offer_plain = b_to && !strstr(reply, "a=rtcp-mux");
	ng_sdp(port, "answer", "muxcall", "8:from-tag1:a6:to-tag1:b", 40100, reply, sizeof(reply));
	a_to = sdp_audio_port(reply);
	answer_mux = a_to && strstr(reply, "a=rtcp-mux") != NULL;
	result("muxcall_set_up", offer_plain && answer_mux && b >= 0 && b_rtcp >= 0,
	       "the answerer was offered no rtcp-mux (%d), the offerer's answer has it (%d); ports %u/%u",
	       offer_plain, answer_mux, a_to, b_to);

	memset(sr, 0, sizeof(sr));
	sr[0] = 0x80;
	sr[1] = 200;
	sr[3] = 6;
	/* each side's RTP and RTCP, so that learning settles on all three sources */
	for (int round = 0; round < 2; round++) {
		int from_b_rtcp = 0;

		for (int i = 0; i < N; i++) {
			rtp_packet(rtp, 0, 100 * round + i, 0xa1a1a1a1, 160);
			send_to(a, "127.0.0.1", a_to, rtp, sizeof(rtp));
			rtp_packet(rtp, 0, 100 * round + i, 0xb2b2b2b2, 160);
			send_to(b, "127.0.0.1", b_to, rtp, sizeof(rtp));
			sr[4] = 0xa1;
			send_to(a, "127.0.0.1", a_to, sr, sizeof(sr)); /* muxed */
			sr[4] = 0xb2;
			send_to(b_rtcp, "127.0.0.1", b_to + 1, sr, sizeof(sr));
			usleep(10000);
			while (recv_one(a, 0, &rx))
				if (rx.from_port == a_to && rx.len == sizeof(rtp))
					a_rtp++;
				else if (rx.from_port == a_to && rx.len == sizeof(sr) && rx.buf[1] == 200 && rx.buf[4] == 0xb2)
					a_rtcp++;
			while (recv_one(b, 0, &rx))
				b_rtp += rx.from_port == b_to && rx.len == sizeof(rtp);
			while (recv_one(b_rtcp, 0, &rx))
				from_b_rtcp += rx.from_port == b_to + 1 && rx.len == sizeof(sr) && rx.buf[4] == 0xa1;
		}
		b_got_rtcp += from_b_rtcp;
		if (round == 0)
			for (n = 0; n < 40 && targets_in(table) < 3; n++)
				usleep(100000);
	}
	targets = targets_in(table);
	l_b_rtcp = kaddr("127.0.0.1", b_to + 1);
	n = read_blist(table, recs, 64);
	r = n > 0 ? find_rec(recs, n, &l_b_rtcp) : NULL;
	result("muxcall_kernel", targets == 3 && r && r->packets >= N && r->target.dst.port == a_port &&
	       r->target.src.port == a_to,
	       "%d targets (RTP each way, the answerer's RTCP); its RTCP target sends %llu packets from port %u to %u "
	       "(want >= %d, from %u to the offerer's RTP port %u)", targets, r ? (unsigned long long)r->packets : 0,
	       r ? r->target.src.port : 0, r ? r->target.dst.port : 0, N, a_to, a_port);
	result("muxcall_media", a_rtp == 2 * N && a_rtcp == 2 * N && b_rtp == 2 * N && b_got_rtcp == 2 * N,
	       "the offerer got %d RTP and %d RTCP on its one port, the answerer %d RTP and %d RTCP (muxed, split off "
	       "in userspace), of %d each", a_rtp, a_rtcp, b_rtp, b_got_rtcp, 2 * N);
	ng_request(port, "2 d7:command6:delete7:call-id7:muxcall12:delete-delayi0ee", reply, sizeof(reply));
	close(a);
	close(b);
	close(b_rtcp);
}

/* ---- ktest srtpcall: an SDES-SRTP offerer and a plain answerer through the daemon ---- */

#define CALL_MAX 128
struct call_pkt {
	unsigned char data[400];
	int len;
};
static struct call_pkt call_a_srtp[CALL_MAX], call_a_plain[CALL_MAX], call_b_plain[CALL_MAX];
static struct call_pkt call_a_got[CALL_MAX]; /* what a received, by b's packet number */

/* The first "a=crypto:1 SUITE inline:KEY" of an SDP: suite and key into the buffers. */
static int sdp_crypto(const char *sdp, char *suite, size_t sl, char *inl, size_t il)
{
	const char *c = strstr(sdp, "a=crypto:");
	char fmt[64];

	if (!c)
		return -1;
	snprintf(fmt, sizeof(fmt), "a=crypto:%%*u %%%zus inline:%%%zu[A-Za-z0-9+/=]", sl - 1, il - 1);
	return sscanf(c, fmt, suite, inl) == 2 ? 0 : -1;
}

/* Sends a's SRTP and b's plain packets [from, to), 10 ms apart; counts what b got
 * byte-exact (a's plaintext) and keeps what a got. */
static void call_exchange(int a, int b, unsigned int a_to, unsigned int b_to, int from, int to, int *b_exact,
			  int *a_got)
{
	struct rx r;

	*b_exact = *a_got = 0;
	for (int i = from; i < to; i++) {
		send_to(a, "127.0.0.1", a_to, call_a_srtp[i].data, call_a_srtp[i].len);
		send_to(b, "127.0.0.1", b_to, call_b_plain[i].data, call_b_plain[i].len);
		usleep(10000);
		while (recv_one(b, 0, &r))
			for (int k = from; k <= i; k++)
				if (r.len == call_a_plain[k].len && !memcmp(r.buf, call_a_plain[k].data, r.len)) {
					(*b_exact)++;
					break;
				}
		while (recv_one(a, 0, &r))
			for (int k = from; k <= i; k++)
				/* SRTP of b's packet k: its header (12 bytes) unchanged, 10 bytes of tag more */
				if (r.len == call_b_plain[k].len + 10 && !memcmp(r.buf, call_b_plain[k].data, 12)) {
					memcpy(call_a_got[k].data, r.buf, r.len);
					call_a_got[k].len = r.len;
					(*a_got)++;
					break;
				}
	}
}

static void cmd_srtpcall(unsigned int port, unsigned int table, const char *file)
{
	enum { BEFORE = 5 };
	char line[1024], suite[64] = "", inl[128] = "", sdp[512], request[1024], reply[8192], ans_suite[64], ans_key[128];
	int na = 0, nb = 0, a, b, b_exact, a_got, n, dumped = 0;
	unsigned int a_port, b_port, a_to, b_to;
	static struct rtpe_kstats_record recs[64];
	const struct rtpe_kstats_record *ra, *rb;
	struct rtpe_kaddr la, lb;
	long long user_before, user_after, kernel_after;
	FILE *f = fopen(file, "r");

	while (f && fgets(line, sizeof(line), f)) {
		char x[512], y[512];

		if (sscanf(line, "key %63s %127s", suite, inl) == 2)
			continue;
		if (na < CALL_MAX && sscanf(line, "a %511s %511s", x, y) == 2) {
			call_a_srtp[na].len = unhex(x, call_a_srtp[na].data, sizeof(call_a_srtp[na].data));
			call_a_plain[na].len = unhex(y, call_a_plain[na].data, sizeof(call_a_plain[na].data));
			na++;
		} else if (nb < CALL_MAX && sscanf(line, "b %511s", x) == 1) {
			call_b_plain[nb].len = unhex(x, call_b_plain[nb].data, sizeof(call_b_plain[nb].data));
			nb++;
		}
	}
	if (f)
		fclose(f);
	a = udp_bound("127.0.0.1", 0);
	b = udp_bound("127.0.0.1", 0);
	a_port = port_of(a);
	b_port = port_of(b);

	snprintf(sdp, sizeof(sdp),
		 "v=0\r\no=k 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio %u RTP/SAVP 0\r\na=crypto:1 %s inline:%s\r\na=sendrecv\r\n", a_port, suite, inl);
	snprintf(request, sizeof(request), "1 d7:command5:offer7:call-id8:srtpcall8:from-tag1:a"
		 "18:transport-protocol7:RTP/AVP3:sdp%zu:%se", strlen(sdp), sdp);
	ng_request(port, request, reply, sizeof(reply));
	b_to = sdp_audio_port(reply);
	n = strstr(reply, "RTP/AVP 0") && !strstr(reply, "a=crypto");
	ng_sdp(port, "answer", "srtpcall", "8:from-tag1:a6:to-tag1:b", b_port, reply, sizeof(reply));
	a_to = sdp_audio_port(reply);
	result("srtpcall_set_up", na == 100 && nb == 100 && a_to && b_to && n && strstr(reply, "RTP/SAVP 0") &&
	       !sdp_crypto(reply, ans_suite, sizeof(ans_suite), ans_key, sizeof(ans_key)) && !strcmp(ans_suite, suite),
	       "%d/%d packets from %s; the plain answerer was offered RTP/AVP without crypto: %d; "
	       "the SRTP offerer got ports %u/%u and %s", na, nb, file, n, a_to, b_to, strstr(reply, "a=crypto") ?
	       strstr(reply, "a=crypto") : "no a=crypto");

	call_exchange(a, b, a_to, b_to, 0, BEFORE, &b_exact, &a_got);
	result("srtpcall_userspace_first", b_exact == BEFORE && a_got == BEFORE,
	       "before offload: b got %d of a's packets decrypted, a got %d of b's as SRTP, of %d", b_exact, a_got, BEFORE);
	/* The SRTP streams go in a tick or two later than plain ones: the worker first says
	 * where its SRTP stands. */
	for (n = 0; n < 60 && targets_in(table) < 2; n++)
		usleep(100000);
	la = kaddr("127.0.0.1", a_to);
	lb = kaddr("127.0.0.1", b_to);
	n = read_blist(table, recs, 64);
	ra = n > 0 ? find_rec(recs, n, &la) : NULL;
	rb = n > 0 ? find_rec(recs, n, &lb) : NULL;
	result("srtpcall_targets_pushed", targets_in(table) == 2 && ra && rb &&
	       ra->target.decrypt.cipher == RTPE_KCIPHER_AES_CM_128 && ra->target.encrypt.cipher == RTPE_KCIPHER_NULL &&
	       ra->target.encrypt.hmac == RTPE_KHMAC_NULL && rb->target.encrypt.cipher == RTPE_KCIPHER_AES_CM_128 &&
	       rb->target.decrypt.hmac == RTPE_KHMAC_NULL && (ra->target.flags & RTPE_KF_SSRC_CHECK) &&
	       ra->target.ssrc[0] == 0x5A5A0001u,
	       "%d targets; a side decrypts with cipher %u, b side encrypts with cipher %u; a side checks SSRC %08x",
	       targets_in(table), ra ? ra->target.decrypt.cipher : 99, rb ? rb->target.encrypt.cipher : 99,
	       ra ? ra->target.ssrc[0] : 0);

	ng_request(port, "2 d7:command10:statisticse", reply, sizeof(reply));
	user_before = stat_value(reply, "relayedpackets_user");
	call_exchange(a, b, a_to, b_to, BEFORE, na, &b_exact, &a_got);
	n = read_blist(table, recs, 64);
	ra = n > 0 ? find_rec(recs, n, &la) : NULL;
	rb = n > 0 ? find_rec(recs, n, &lb) : NULL;
	result("srtpcall_kernel_forwards", b_exact == na - BEFORE && a_got == na - BEFORE && ra && rb &&
	       ra->packets >= (unsigned long long)(na - BEFORE) && rb->packets >= (unsigned long long)(na - BEFORE) &&
	       ra->target.decrypt.roc[0] == 1 && rb->target.encrypt.roc[0] == 1,
	       "across the rollover: b got %d of a's decrypted, a got %d of b's as SRTP, of %d; kernel counters %llu/%llu, "
	       "ROC now %u (decrypt) and %u (encrypt)", b_exact, a_got, na - BEFORE,
	       ra ? (unsigned long long)ra->packets : 0, rb ? (unsigned long long)rb->packets : 0,
	       ra ? ra->target.decrypt.roc[0] : 99, rb ? rb->target.encrypt.roc[0] : 99);
	/* The kernel's counts join the streams' on the daemon's next ticks. */
	for (n = 0; n < 40 && packets_entries(reply, na) < 2; n++) {
		usleep(100000);
		ng_request(port, "4 d7:command5:query7:call-id8:srtpcalle", reply, sizeof(reply));
	}
	{
		const char *p = strstr(reply, "7:packetsi");

		result("srtpcall_counted_in_query", packets_entries(reply, na) >= 2,
		       "query: %d RTP streams count all %d packets (first: %.20s)", packets_entries(reply, na), na,
		       p ? p : "none");
	}
	ng_request(port, "3 d7:command10:statisticse", reply, sizeof(reply));
	user_after = stat_value(reply, "relayedpackets_user");
	kernel_after = stat_value(reply, "relayedpackets_kernel");
	result("srtpcall_userspace_flat", user_before >= 2 * BEFORE && user_after == user_before,
	       "relayedpackets_user %lld before and %lld after the kernel's %d each way; relayedpackets_kernel %lld",
	       user_before, user_after, na - BEFORE, kernel_after);
	/* What a got is checked on the host (test_kernel.py): SRTP with the answered key. */
	printf("SRTPCALL key %s %s\n", ans_suite, ans_key);
	for (int i = 0; i < nb; i++)
		if (call_a_got[i].len && (i % 7 == 0 || i == nb - 1)) {
			printf("SRTPCALL pkt %u ", ((unsigned int)call_b_plain[i].data[2] << 8) | call_b_plain[i].data[3]);
			for (int k = 0; k < call_a_got[i].len; k++)
				printf("%02x", call_a_got[i].data[k]);
			printf("\n");
			dumped++;
		}
	fflush(stdout);
	ng_request(port, "5 d7:command6:delete7:call-id8:srtpcall12:delete-delayi0ee", reply, sizeof(reply));
	result("srtpcall_delete_clears", strstr(reply, "6:result2:ok") && targets_in(table) == 0 && dumped >= 10,
	       "after delete: %d targets (%d packets of a printed for the host)", targets_in(table), dumped);
	close(a);
	close(b);
}

/* Packets flow through a table while its targets are added, updated and deleted and
 * the table itself is deleted and created again: every valid operation must succeed
 * and the kernel must stay quiet (init.sh checks dmesg at the end). */
static void cmd_stress(unsigned int table, int seconds)
{
	char add[32], del[32], why[300] = "";
	int ctl = -1, bad = 0, e;
	unsigned long iterations = 0, recreated = 0;
	unsigned long long forwarded = 0;
	static struct rtpe_kstats_record recs[64];
	pid_t child;

	snprintf(add, sizeof(add), "add %u", table);
	snprintf(del, sizeof(del), "del %u", table);
	main_ctl(add);

	child = fork();
	if (child == 0) {
		int s4 = udp_bound("127.0.0.1", 9000), s6 = udp_bound("fd00::2", 9001);
		unsigned char pkt[256];
		unsigned int seq = 0;

		for (;;) {
			size_t len = rtp_packet(pkt, seq % 3 ? 0 : 96, seq, 0x5000 + seq % 6, 160);

			send_to(s4, "127.0.0.1", 8000 + seq % 4, pkt, len);
			send_to(s6, "fd00::1", 8100 + seq % 4, pkt, len);
			seq++;
		}
	}

	unsigned long long end = now_us() + (unsigned long long)seconds * 1000000ull;
	while (now_us() < end && !bad) {
		if (ctl < 0) {
			ctl = open_table(table);
			if (ctl < 0) {
				bad++;
				snprintf(why, sizeof(why), "open control: %s", strerror(errno));
				break;
			}
		}
		struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
		for (int i = 0; i < 8 && !bad; i++) {
			int v6 = i >= 4;

			m.cmd = RTPE_KCMD_ADD_TARGET;
			m.target.local = kaddr(v6 ? "fd00::1" : "127.0.0.1", (v6 ? 8100 : 8000) + i % 4);
			m.target.src = kaddr(v6 ? "127.0.0.1" : "fd00::1", 8200 + i);
			m.target.dst = kaddr(v6 ? "127.0.0.1" : "fd00::2", 8300 + i);
			m.target.flags = 0;
			m.target.num_pt = 0;
			if ((e = send_msg(ctl, &m, sizeof(m))) != 0) {
				bad++;
				snprintf(why, sizeof(why), "add target %d: %s", i, strerror(-e));
			}
		}
		usleep(2000);
		for (int i = 0; i < 8 && !bad; i++) {
			int v6 = i >= 4;

			m.cmd = RTPE_KCMD_UPDATE_TARGET;
			m.target.local = kaddr(v6 ? "fd00::1" : "127.0.0.1", (v6 ? 8100 : 8000) + i % 4);
			m.target.src = kaddr(v6 ? "127.0.0.1" : "fd00::1", 8200 + i);
			m.target.dst = kaddr(v6 ? "127.0.0.1" : "fd00::2", 8300 + i);
			m.target.flags = (iterations % 2) ? RTPE_KF_PT_FILTER : RTPE_KF_SSRC_CHECK;
			m.target.num_pt = 1;
			m.target.pt[0] = 0;
			m.target.num_ssrc = 2;
			m.target.ssrc[0] = 0x5000;
			m.target.ssrc[1] = 0x5001 + iterations % 4;
			if ((e = send_msg(ctl, &m, sizeof(m))) != 0) {
				bad++;
				snprintf(why, sizeof(why), "update target %d: %s", i, strerror(-e));
			}
		}
		usleep(2000);
		int n = read_blist(table, recs, 64);
		if (n != 8 && !bad) {
			bad++;
			snprintf(why, sizeof(why), "blist has %d records, want 8", n);
		}
		for (int i = 0; i < n; i++)
			forwarded += recs[i].packets;
		{
			static char list[65536];
			char path[64];

			snprintf(path, sizeof(path), "/proc/rtpengine/%u/list", table);
			read_file(path, list, sizeof(list));
		}
		if (iterations % 5 == 4) {
			/* the table goes with its targets, while packets keep coming */
			close(ctl);
			ctl = -1;
			if ((e = main_ctl(del)) != 0 || (e = main_ctl(add)) != 0) {
				bad++;
				snprintf(why, sizeof(why), "recreate table: %s", strerror(-e));
			}
			recreated++;
		} else {
			for (int i = 0; i < 8 && !bad; i++) {
				int v6 = i >= 4;

				m.cmd = RTPE_KCMD_DEL_TARGET;
				m.target.local = kaddr(v6 ? "fd00::1" : "127.0.0.1", (v6 ? 8100 : 8000) + i % 4);
				if ((e = send_msg(ctl, &m, sizeof(m))) != 0) {
					bad++;
					snprintf(why, sizeof(why), "delete target %d: %s", i, strerror(-e));
				}
			}
		}
		iterations++;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (ctl >= 0)
		close(ctl);
	if (!bad)
		snprintf(why, sizeof(why), "%lu rounds of add/update/delete under traffic, %lu table re-creations, "
				"%llu packets forwarded (summed over rounds)", iterations, recreated, forwarded);
	result("stress_churn", !bad && iterations >= 5 && recreated >= 1 && forwarded > 0, "%s", why);
}

static void cmd_maxtables(unsigned int n)
{
	char cmd[32];
	int e1, e2;

	snprintf(cmd, sizeof(cmd), "add %u", n - 1);
	e1 = main_ctl(cmd);
	snprintf(cmd, sizeof(cmd), "add %u", n);
	e2 = main_ctl(cmd);
	result("max_tables_param", e1 == 0 && e2 == -EINVAL && table_listed(n - 1) == 1,
			"add %u: %d, add %u: %d (want 0 and EINVAL)", n - 1, e1, n, e2);
	snprintf(cmd, sizeof(cmd), "del %u", n - 1);
	main_ctl(cmd);
}

/* ---- in-kernel SRTP ---- */

struct srtp_suite {
	const char *name;
	unsigned int cipher, key_len, rtp_tag, rtcp_tag;
	const char *list_name;
};

static const struct srtp_suite srtp_suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", RTPE_KCIPHER_AES_CM_128, 16, 10, 10, "AES-CM-128" },
	{ "AES_CM_128_HMAC_SHA1_32", RTPE_KCIPHER_AES_CM_128, 16, 4, 10, "AES-CM-128" },
	{ "AES_192_CM_HMAC_SHA1_80", RTPE_KCIPHER_AES_CM_192, 24, 10, 10, "AES-CM-192" },
	{ "AES_192_CM_HMAC_SHA1_32", RTPE_KCIPHER_AES_CM_192, 24, 4, 10, "AES-CM-192" },
	{ "AES_256_CM_HMAC_SHA1_80", RTPE_KCIPHER_AES_CM_256, 32, 10, 10, "AES-CM-256" },
	{ "AES_256_CM_HMAC_SHA1_32", RTPE_KCIPHER_AES_CM_256, 32, 4, 10, "AES-CM-256" },
	{ "NULL_HMAC_SHA1_80", RTPE_KCIPHER_NULL, 16, 10, 10, "NULL" },
	{ "NULL_HMAC_SHA1_32", RTPE_KCIPHER_NULL, 16, 4, 10, "NULL" },
};

static const struct srtp_suite *find_suite(const char *name)
{
	for (size_t i = 0; i < sizeof(srtp_suites) / sizeof(srtp_suites[0]); i++)
		if (!strcmp(srtp_suites[i].name, name))
			return &srtp_suites[i];
	return NULL;
}

/* hex text (or "-") into out; the byte count, or -1 */
/* "SUITE KEY SALT MKI ROC IDX" into k; 0 or -1 */
static int parse_crypto(char *text, struct rtpe_kcrypto *k, const struct srtp_suite **suite)
{
	char name[64], key[80], salt[40], mki[40];
	unsigned long long roc, idx;
	int n;

	memset(k, 0, sizeof(*k));
	*suite = NULL;
	if (!strcmp(text, "-"))
		return 0;
	if (sscanf(text, "%63s %79s %39s %39s %llu %llu", name, key, salt, mki, &roc, &idx) != 6)
		return -1;
	*suite = find_suite(name);
	if (!*suite)
		return -1;
	k->cipher = (*suite)->cipher;
	k->hmac = RTPE_KHMAC_SHA1;
	k->rtp_auth_tag_len = (*suite)->rtp_tag;
	k->rtcp_auth_tag_len = (*suite)->rtcp_tag;
	if ((n = unhex(key, k->master_key, sizeof(k->master_key))) < 0)
		return -1;
	k->master_key_len = n;
	if ((n = unhex(salt, k->master_salt, sizeof(k->master_salt))) < 0)
		return -1;
	k->master_salt_len = n;
	if ((n = unhex(mki, k->mki, sizeof(k->mki))) < 0)
		return -1;
	k->mki_len = n;
	k->roc[0] = roc;
	k->last_rtcp_index[0] = idx;
	return 0;
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* One step of a case: a packet, an update of the target, or a look at blist. */
struct srtp_step {
	char type; /* 'p', 'u', 's' */
	int fwd; /* 1 forwarded, 0 to userspace, 2 dropped (a replay) */
	unsigned char in[512], out[512];
	int in_len, out_len;
	long long state[3]; /* decrypt ROC, encrypt ROC, encrypt's next SRTCP index of slot 0; -1: any */
	struct rtpe_kcrypto dec, enc;
};

struct srtp_case {
	char name[64];
	int rtcp;
	char net[8]; /* v4, v6, v4to6 */
	struct rtpe_kcrypto dec, enc;
	const struct srtp_suite *dec_suite;
	struct srtp_step steps[24];
	int nsteps;
};

/* blist's record of the target against the counts so far and (when state) a state step;
 * 1 if it matches, else why. Fills have[] with the ROCs and index it shows. */
static int srtp_blist_check(unsigned int table, const struct rtpe_kmsg *m, int nfwd, int nuser, int ndrop,
		const long long *state, long long *have, struct rtpe_kstats_record *out, char *why, size_t wl)
{
	struct rtpe_kstats_record recs[8];
	int nrec = read_blist(table, recs, 8);
	const struct rtpe_kstats_record *rec = nrec > 0 ? find_rec(recs, nrec, &m->target.local) : NULL;

	if (!rec) {
		snprintf(why, wl, "no blist record");
		return 0;
	}
	*out = *rec;
	have[0] = rec->target.decrypt.roc[0];
	have[1] = rec->target.encrypt.roc[0];
	have[2] = (long long)rec->target.encrypt.last_rtcp_index[0];
	if (rec->packets != (unsigned)nfwd || rec->userspace != (unsigned)nuser || rec->errors != (unsigned)ndrop) {
		snprintf(why, wl, "blist: %llu forwarded, %llu to userspace, %llu errors; want %d, %d, %d",
				(unsigned long long)rec->packets, (unsigned long long)rec->userspace,
				(unsigned long long)rec->errors, nfwd, nuser, ndrop);
		return 0;
	}
	for (int k = 0; state && k < 3; k++) {
		if (state[k] >= 0 && have[k] != state[k]) {
			snprintf(why, wl, "blist: decrypt ROC %lld, encrypt ROC %lld, next SRTCP index %lld; "
					"want %lld %lld %lld (-1 any)", have[0], have[1], have[2], state[0], state[1], state[2]);
			return 0;
		}
	}
	return 1;
}

/* Runs one case through a target on ports base..base+3; 1 if everything matched. The
 * first case also checks what blist and list show of it (srtp_blist_list). */
static int srtp_run(int ctl, unsigned int table, const struct srtp_case *c, unsigned int base, int first)
{
	int v6 = !strcmp(c->net, "v6"), out6 = v6 || !strcmp(c->net, "v4to6");
	const char *in_local = v6 ? "fd00::1" : "127.0.0.1", *in_peer = v6 ? "fd00::2" : "127.0.0.1";
	const char *out_src = out6 ? "fd00::1" : "127.0.0.1", *out_dst = out6 ? "fd00::2" : "127.0.0.1";
	int sp = udp_bound(in_peer, base + 1), sl = udp_bound(in_local, base);
	int sd = udp_bound(out_dst, base + 3);
	struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
	struct rtpe_kstats_record rec;
	char why[400] = "";
	int ok = 0, e, nfwd = 0, nuser = 0, ndrop = 0, nupd = 0;
	long long have[3] = { -1, -1, -1 }, last_state[3] = { -1, -1, -1 };
	struct rx r;

	if (sp < 0 || sl < 0 || sd < 0) {
		snprintf(why, sizeof(why), "cannot bind sockets");
		goto out;
	}
	m.target.local = kaddr(in_local, base);
	m.target.expected_src = kaddr(in_peer, base + 1);
	m.target.src = kaddr(out_src, base + 2);
	m.target.dst = kaddr(out_dst, base + 3);
	m.target.flags = c->rtcp ? RTPE_KF_RTCP : RTPE_KF_RTP_ONLY;
	m.target.stats_slot = base;
	m.target.decrypt = c->dec;
	m.target.encrypt = c->enc;
	if ((e = send_msg(ctl, &m, sizeof(m))) != 0) {
		snprintf(why, sizeof(why), "add target: %s", strerror(-e));
		goto out;
	}
	for (int i = 0; i < c->nsteps; i++) {
		const struct srtp_step *p = &c->steps[i];

		if (p->type == 'u') {
			m.cmd = RTPE_KCMD_UPDATE_TARGET;
			m.target.decrypt = p->dec;
			m.target.encrypt = p->enc;
			nupd++;
			if ((e = send_msg(ctl, &m, sizeof(m))) != 0) {
				snprintf(why, sizeof(why), "step %d: update: %s", i, strerror(-e));
				goto del;
			}
		} else if (p->type == 's') {
			memcpy(last_state, p->state, sizeof(last_state));
			if (!srtp_blist_check(table, &m, nfwd, nuser, ndrop, p->state, have, &rec, why, sizeof(why)))
				goto del;
		} else if (p->fwd == 2) {
			ndrop++;
			send_to(sp, in_local, base, p->in, p->in_len);
			int fwd = drain(sd, 300), loc = drain(sl, 50);

			if (fwd || loc) {
				snprintf(why, sizeof(why), "step %d: a replay: %d forwarded, %d at the local socket", i, fwd, loc);
				goto del;
			}
		} else if (p->fwd) {
			nfwd++;
			send_to(sp, in_local, base, p->in, p->in_len);
			if (!recv_one(sd, 1000, &r)) {
				snprintf(why, sizeof(why), "step %d: packet not forwarded (%d at the local socket)", i,
						drain(sl, 50));
				goto del;
			}
			if (strcmp(r.from, out_src) || r.from_port != base + 2) {
				snprintf(why, sizeof(why), "step %d: from %s:%u, want %s:%u", i, r.from, r.from_port, out_src,
						base + 2);
				goto del;
			}
			if (r.len != p->out_len || memcmp(r.buf, p->out, p->out_len)) {
				int at = 0;

				while (at < r.len && at < p->out_len && r.buf[at] == p->out[at])
					at++;
				snprintf(why, sizeof(why), "step %d: %zd bytes out, want %d; first difference at byte %d",
						i, r.len, p->out_len, at);
				goto del;
			}
		} else {
			nuser++;
			send_to(sp, in_local, base, p->in, p->in_len);
			int loc = drain(sl, 1000), fwd = drain(sd, 50);

			if (loc != 1 || fwd) {
				snprintf(why, sizeof(why), "step %d: packet for userspace: %d forwarded, %d at the local socket",
						i, fwd, loc);
				goto del;
			}
		}
	}
	if (drain(sl, 50)) {
		snprintf(why, sizeof(why), "a packet reached the local socket");
		goto del;
	}
	if (!srtp_blist_check(table, &m, nfwd, nuser, ndrop, NULL, have, &rec, why, sizeof(why)))
		goto del;
	if (!all_zero(rec.target.decrypt.master_key, sizeof(rec.target.decrypt.master_key))
			|| !all_zero(rec.target.decrypt.master_salt, sizeof(rec.target.decrypt.master_salt))
			|| !all_zero(rec.target.encrypt.master_key, sizeof(rec.target.encrypt.master_key))
			|| !all_zero(rec.target.encrypt.master_salt, sizeof(rec.target.encrypt.master_salt))) {
		snprintf(why, sizeof(why), "blist shows key or salt bytes");
		goto del;
	}
	if (rec.target.decrypt.cipher != m.target.decrypt.cipher || rec.target.decrypt.hmac != m.target.decrypt.hmac
			|| rec.target.encrypt.cipher != m.target.encrypt.cipher
			|| rec.target.encrypt.hmac != m.target.encrypt.hmac
			|| rec.target.decrypt.master_key_len != m.target.decrypt.master_key_len
			|| rec.target.encrypt.rtp_auth_tag_len != m.target.encrypt.rtp_auth_tag_len) {
		snprintf(why, sizeof(why), "blist does not show the suites");
		goto del;
	}
	if (first) {
		static char list[16384];
		char path[64], want[160], keyhex[80];
		int lok;

		snprintf(path, sizeof(path), "/proc/rtpengine/%u/list", table);
		read_file(path, list, sizeof(list));
		snprintf(want, sizeof(want), "SRTP decrypt: %s HMAC-SHA1 tags %u/%u MKI %u bytes, ROC %lld 0 0 0\n",
				c->dec_suite ? c->dec_suite->list_name : "?", c->dec.rtp_auth_tag_len, c->dec.rtcp_auth_tag_len,
				c->dec.mki_len, last_state[0]);
		lok = c->dec_suite && strstr(list, want);
		/* the key must not be in the text either */
		for (unsigned int k = 0; k < c->dec.master_key_len; k++)
			snprintf(keyhex + 2 * k, 3, "%02x", c->dec.master_key[k]);
		lok = lok && !strstr(list, keyhex);
		result("srtp_blist_list", lok && rec.target.decrypt.roc[0] == last_state[0] && last_state[0] > 0,
				"blist: suite %u/%u, ROC %u after the rollover, key and salt zeroed; list: %s%s",
				rec.target.decrypt.cipher, rec.target.decrypt.hmac, rec.target.decrypt.roc[0],
				lok ? "" : "missing ", want);
	}
	ok = 1;
	snprintf(why, sizeof(why), "%s, %d steps byte-exact (%d forwarded, %d to userspace, %d dropped, %d updates); "
			"blist ROC %lld/%lld, next SRTCP index %lld", c->net, c->nsteps, nfwd, nuser, ndrop, nupd, have[0], have[1],
			have[2]);
del:
	m.cmd = RTPE_KCMD_DEL_TARGET;
	send_msg(ctl, &m, sizeof(m));
out:
	result(c->name, ok, "%s", why);
	if (sp >= 0)
		close(sp);
	if (sl >= 0)
		close(sl);
	if (sd >= 0)
		close(sd);
	return ok;
}

struct srtp_bad {
	const char *name;
	int want;
	unsigned int cipher, hmac, key_len, salt_len, rtp_tag, rtcp_tag, mki_len;
};

static void srtp_bad_params(int ctl)
{
	static const struct srtp_bad cases[] = {
		{ "AES-CM-128 with a 15-byte key", -EINVAL, RTPE_KCIPHER_AES_CM_128, RTPE_KHMAC_SHA1, 15, 14, 10, 10, 0 },
		{ "AES-CM-128 with a 32-byte key", -EINVAL, RTPE_KCIPHER_AES_CM_128, RTPE_KHMAC_SHA1, 32, 14, 10, 10, 0 },
		{ "AES-CM-256 with a 16-byte key", -EINVAL, RTPE_KCIPHER_AES_CM_256, RTPE_KHMAC_SHA1, 16, 14, 10, 10, 0 },
		{ "AES-CM-192 with a 12-byte salt", -EINVAL, RTPE_KCIPHER_AES_CM_192, RTPE_KHMAC_SHA1, 24, 12, 10, 10, 0 },
		{ "NULL-HMAC with a 24-byte key", -EINVAL, RTPE_KCIPHER_NULL, RTPE_KHMAC_SHA1, 24, 14, 10, 10, 0 },
		{ "SRTP tag of 8 bytes", -EINVAL, RTPE_KCIPHER_AES_CM_128, RTPE_KHMAC_SHA1, 16, 14, 8, 10, 0 },
		{ "SRTCP tag of 0 bytes", -EINVAL, RTPE_KCIPHER_AES_CM_128, RTPE_KHMAC_SHA1, 16, 14, 10, 0, 0 },
		{ "SRTP tag of 20 bytes", -EINVAL, RTPE_KCIPHER_AES_CM_128, RTPE_KHMAC_SHA1, 16, 14, 20, 10, 0 },
		{ "MKI of 17 bytes", -EINVAL, RTPE_KCIPHER_AES_CM_128, RTPE_KHMAC_SHA1, 16, 14, 10, 10, 17 },
		{ "NULL/NULL with a key length", -EINVAL, RTPE_KCIPHER_NULL, RTPE_KHMAC_NULL, 16, 0, 0, 0, 0 },
		{ "NULL/NULL with a tag length", -EINVAL, RTPE_KCIPHER_NULL, RTPE_KHMAC_NULL, 0, 0, 10, 0, 0 },
		{ "unknown HMAC 2", -EINVAL, RTPE_KCIPHER_AES_CM_128, 2, 16, 14, 10, 10, 0 },
		{ "AES-CM-128 without HMAC", -EOPNOTSUPP, RTPE_KCIPHER_AES_CM_128, RTPE_KHMAC_NULL, 16, 14, 0, 0, 0 },
		{ "AES-F8", -EOPNOTSUPP, RTPE_KCIPHER_AES_F8, RTPE_KHMAC_SHA1, 16, 14, 10, 10, 0 },
		{ "AEAD AES-GCM-128", -EOPNOTSUPP, RTPE_KCIPHER_AEAD_AES_GCM_128, RTPE_KHMAC_NULL, 16, 12, 16, 16, 0 },
		{ "AEAD AES-GCM-256", -EOPNOTSUPP, RTPE_KCIPHER_AEAD_AES_GCM_256, RTPE_KHMAC_NULL, 32, 12, 16, 16, 0 },
	};
	char why[300];
	int ok = 1, e, accepted = 0;

	snprintf(why, sizeof(why), "%zu bad parameter sets refused (each direction) with their errno",
			sizeof(cases) / sizeof(cases[0]));
	for (size_t i = 0; ok && i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int dir = 0; ok && dir < 2; dir++) {
			struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
			struct rtpe_kcrypto *k = dir ? &m.target.encrypt : &m.target.decrypt;

			base_target(&m);
			k->cipher = cases[i].cipher;
			k->hmac = cases[i].hmac;
			k->master_key_len = cases[i].key_len;
			k->master_salt_len = cases[i].salt_len;
			k->rtp_auth_tag_len = cases[i].rtp_tag;
			k->rtcp_auth_tag_len = cases[i].rtcp_tag;
			k->mki_len = cases[i].mki_len;
			e = send_msg(ctl, &m, sizeof(m));
			if (e != cases[i].want) {
				ok = 0;
				snprintf(why, sizeof(why), "%s (%s): got %d (%s), want %d", cases[i].name,
						dir ? "encrypt" : "decrypt", e, strerror(-e), cases[i].want);
				if (!e) {
					m.cmd = RTPE_KCMD_DEL_TARGET;
					send_msg(ctl, &m, sizeof(m));
				}
			}
		}
	}
	/* every suite of the slice is taken, on both sides, as add and as update */
	for (size_t i = 0; ok && i < sizeof(srtp_suites) / sizeof(srtp_suites[0]); i++) {
		struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
		const struct srtp_suite *s = &srtp_suites[i];
		struct rtpe_kcrypto k = { .cipher = s->cipher, .hmac = RTPE_KHMAC_SHA1, .master_key_len = s->key_len,
			.master_salt_len = 14, .rtp_auth_tag_len = s->rtp_tag, .rtcp_auth_tag_len = s->rtcp_tag };

		base_target(&m);
		m.target.decrypt = k;
		e = send_msg(ctl, &m, sizeof(m));
		m.cmd = RTPE_KCMD_UPDATE_TARGET;
		m.target.encrypt = k;
		m.target.flags = RTPE_KF_RTCP;
		int e2 = e ? e : send_msg(ctl, &m, sizeof(m));
		m.cmd = RTPE_KCMD_DEL_TARGET;
		int e3 = e ? e : send_msg(ctl, &m, sizeof(m));
		if (e || e2 || e3) {
			ok = 0;
			snprintf(why, sizeof(why), "%s: add %d, update %d, delete %d", s->name, e, e2, e3);
		} else {
			accepted++;
		}
	}
	if (ok)
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "; the %d suites of the slice accepted", accepted);
	result("srtp_bad_params", ok, "%s", why);
}

/* The summed refcnt of /proc/crypto's "ctr(aes)" and "hmac(sha1)" entries: each live tfm
 * holds one, so it comes back to where it was once targets are gone. -1 if unreadable. */
static long crypto_refs(void)
{
	static char buf[65536];
	char *line, *save = NULL;
	long sum = 0;
	int ours = 0;

	if (read_file("/proc/crypto", buf, sizeof(buf)) <= 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[32], val[128];

		if (sscanf(line, "%31s : %127s", key, val) != 2)
			continue;
		if (!strcmp(key, "name"))
			ours = !strcmp(val, "ctr(aes)") || !strcmp(val, "hmac(sha1)");
		else if (ours && !strcmp(key, "refcnt"))
			sum += atol(val);
	}
	return sum;
}

/* Waits until the crypto refcounts come back to want (RCU and the module's free work). */
static long crypto_refs_settle(long want)
{
	long now = crypto_refs();

	for (int i = 0; i < 50 && now != want; i++) {
		usleep(100000);
		now = crypto_refs();
	}
	return now;
}

/* Two senders of plain RTP (three SSRCs each) at one target while the parent updates it
 * through SRTP suites, keys, MKIs and the RTCP flag, on 2 vCPUs: every packet is
 * accounted for, none oopses, and no tfm is left behind. */
static void srtp_churn(int ctl, unsigned int table, int seconds)
{
	const unsigned int port = 10900;
	int sl = udp_bound("127.0.0.1", port), sd = udp_bound("127.0.0.1", port + 3);
	struct rtpe_kmsg m = new_msg(RTPE_KCMD_ADD_TARGET);
	int pipefd[2], e = 0, updates = 0;
	long refs0, refs1;
	unsigned long long sent = 0;
	pid_t kids[2];
	char why[300];

	m.target.local = kaddr("127.0.0.1", port);
	m.target.src = kaddr("127.0.0.1", port + 2);
	m.target.dst = kaddr("127.0.0.1", port + 3);
	m.target.flags = RTPE_KF_RTP_ONLY;
	/* the baseline: once what the earlier cases' targets held has been freed */
	refs0 = crypto_refs();
	for (int i = 0, same = 0; i < 100 && same < 3; i++) {
		usleep(100000);
		refs1 = crypto_refs();
		same = refs1 == refs0 ? same + 1 : 0;
		refs0 = refs1;
	}
	if (sl < 0 || sd < 0 || pipe(pipefd) || (e = send_msg(ctl, &m, sizeof(m)))) {
		result("srtp_churn", 0, "setup: sockets %d %d, add %d", sl, sd, e);
		return;
	}
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			int sp = udp_bound("127.0.0.1", port + 10 + k);
			unsigned char pkt[256];
			unsigned long long n = 0;
			unsigned long long end = now_us() + seconds * 1000000ull;

			while (sp >= 0 && now_us() < end) {
				size_t len = rtp_packet(pkt, 0, (unsigned int)(n & 0xffff), 0x7000 + k * 3 + n % 3, 40 + n % 100);

				if (!send_to(sp, "127.0.0.1", port, pkt, len))
					n++;
				if (n % 32 == 0)
					usleep(200);
			}
			if (write(pipefd[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	unsigned long long end = now_us() + seconds * 1000000ull;
	while (!e && now_us() < end) {
		const struct srtp_suite *su = &srtp_suites[updates % 8];
		struct rtpe_kcrypto k = { .cipher = su->cipher, .hmac = RTPE_KHMAC_SHA1, .master_key_len = su->key_len,
			.master_salt_len = 14, .rtp_auth_tag_len = su->rtp_tag, .rtcp_auth_tag_len = su->rtcp_tag,
			.mki_len = updates % 3 };

		for (unsigned int i = 0; i < k.master_key_len; i++)
			k.master_key[i] = (unsigned char)(updates + i);
		k.mki[0] = (unsigned char)updates;
		memset(&m.target.decrypt, 0, sizeof(m.target.decrypt));
		memset(&m.target.encrypt, 0, sizeof(m.target.encrypt));
		switch (updates % 4) {
		case 0: m.target.encrypt = k; break;                          /* RTP -> SRTP */
		case 1: m.target.decrypt = k; break;                          /* SRTP in: plain fails auth */
		case 2: m.target.decrypt = k; m.target.encrypt = k; break;    /* SRTP -> SRTP */
		default: break;                                               /* plain */
		}
		m.target.flags = updates % 5 == 4 ? RTPE_KF_RTCP : RTPE_KF_RTP_ONLY;
		m.cmd = RTPE_KCMD_UPDATE_TARGET;
		e = send_msg(ctl, &m, sizeof(m));
		updates++;
		usleep(2000); /* the sockets are not read: they fill up and drop, as they may */
	}
	for (int k = 0; k < 2; k++) {
		unsigned long long n = 0;

		if (read(pipefd[0], &n, sizeof(n)) == sizeof(n))
			sent += n;
		waitpid(kids[k], NULL, 0);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	usleep(200000);
	struct rtpe_kstats_record recs[8];
	int nrec = read_blist(table, recs, 8);
	const struct rtpe_kstats_record *rec = nrec > 0 ? find_rec(recs, nrec, &m.target.local) : NULL;
	unsigned long long acc = rec ? rec->packets + rec->userspace + rec->errors : 0;
	m.cmd = RTPE_KCMD_DEL_TARGET;
	int edel = send_msg(ctl, &m, sizeof(m));
	refs1 = crypto_refs_settle(refs0);
	/* the loopback backlog may drop a few of what was sent before the hook sees them */
	int ok = !e && !edel && rec && updates > 50 && sent > 1000 && acc <= sent && acc * 100 >= sent * 97
		&& rec->packets > 0 && rec->userspace > 0 && refs0 >= 0 && refs1 == refs0;
	snprintf(why, sizeof(why), "%d updates (err %d), %llu sent, blist %llu forwarded + %llu userspace + %llu errors; "
			"crypto refcnt %ld before, %ld after", updates, e, sent, rec ? (unsigned long long)rec->packets : 0ull,
			rec ? (unsigned long long)rec->userspace : 0ull, rec ? (unsigned long long)rec->errors : 0ull, refs0,
			refs1);
	result("srtp_churn", ok, "%s", why);
	close(sl);
	close(sd);
}

static void cmd_srtp(unsigned int table, const char *file)
{
	static struct srtp_case cases[32];
	char line[2048], cmd[32];
	int ncases = 0, bad = 0, ctl;
	FILE *f = fopen(file, "r");
	struct srtp_case *c = NULL;

	if (!f) {
		result("srtp_vectors_loaded", 0, "%s: %s", file, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		struct srtp_step *st = c && c->nsteps < 24 ? &c->steps[c->nsteps] : NULL;
		struct srtp_step *last = c && c->nsteps ? &c->steps[c->nsteps - 1] : NULL;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "case ", 5) && ncases < 32) {
			char kind[8];

			c = &cases[ncases++];
			memset(c, 0, sizeof(*c));
			strcpy(c->net, "v4");
			if (sscanf(line + 5, "%63s %7s %7s", c->name, kind, c->net) < 2)
				bad++;
			c->rtcp = !strcmp(kind, "rtcp");
		} else if (c && (!strncmp(line, "dec ", 4) || !strncmp(line, "enc ", 4))) {
			/* the target's parameters, or those of the update just started */
			int dec = line[0] == 'd';
			const struct srtp_suite *suite;
			struct rtpe_kcrypto *k = last && last->type == 'u' ? (dec ? &last->dec : &last->enc)
				: (dec ? &c->dec : &c->enc);

			bad += parse_crypto(line + 4, k, &suite) != 0;
			if (dec && k == &c->dec)
				c->dec_suite = suite;
		} else if (c && !strcmp(line, "update") && st) {
			int n;

			st->type = 'u';
			/* starts from the parameters in force: the last update's, else the target's */
			for (n = c->nsteps - 1; n >= 0 && c->steps[n].type != 'u'; n--)
				;
			st->dec = n >= 0 ? c->steps[n].dec : c->dec;
			st->enc = n >= 0 ? c->steps[n].enc : c->enc;
			c->nsteps++;
		} else if (c && !strncmp(line, "pkt ", 4) && st) {
			char verdict[8], in[1100], out[1100];

			st->type = 'p';
			if (sscanf(line + 4, "%7s %1099s %1099s", verdict, in, out) != 3)
				bad++;
			st->fwd = !strcmp(verdict, "fwd") ? 1 : !strcmp(verdict, "drop") ? 2 : 0;
			st->in_len = unhex(in, st->in, sizeof(st->in));
			st->out_len = unhex(out, st->out, sizeof(st->out));
			bad += st->in_len <= 0 || st->out_len < 0;
			c->nsteps++;
		} else if (c && !strncmp(line, "state ", 6) && st) {
			char v[3][24];

			st->type = 's';
			if (sscanf(line + 6, "%23s %23s %23s", v[0], v[1], v[2]) != 3)
				bad++;
			for (int k = 0; k < 3; k++)
				st->state[k] = strcmp(v[k], "-") ? atoll(v[k]) : -1;
			c->nsteps++;
		} else if (c && strcmp(line, "end")) {
			bad++; /* unknown, or more steps than fit */
		}
	}
	fclose(f);
	result("srtp_vectors_loaded", ncases >= 10 && !bad, "%d cases from %s, %d unparsable lines", ncases, file, bad);

	snprintf(cmd, sizeof(cmd), "add %u", table);
	main_ctl(cmd);
	ctl = open_table(table);
	if (ctl < 0) {
		result("srtp_bad_params", 0, "open control: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < ncases; i++)
		srtp_run(ctl, table, &cases[i], 10000 + 10 * i, i == 0);
	srtp_bad_params(ctl);
	srtp_churn(ctl, table, 3);
	close(ctl);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "perms"))
		cmd_perms(atoi(argv[2]), atoi(argv[3]), strtoul(argv[4], NULL, 16));
	else if (argc >= 2 && !strcmp(argv[1], "tables"))
		cmd_tables();
	else if (argc >= 2 && !strcmp(argv[1], "badwrites"))
		cmd_badwrites();
	else if (argc >= 3 && !strcmp(argv[1], "forward"))
		cmd_forward(atoi(argv[2]));
	else if (argc >= 4 && !strcmp(argv[1], "quick"))
		cmd_quick(atoi(argv[2]), argv[3]);
	else if (argc >= 3 && !strcmp(argv[1], "populate"))
		cmd_populate(atoi(argv[2]));
	else if (argc >= 5 && !strcmp(argv[1], "fill"))
		cmd_fill(atoi(argv[2]), atoi(argv[3]), argv[4]);
	else if (argc >= 4 && !strcmp(argv[1], "ngping"))
		cmd_ngping(atoi(argv[2]), argv[3]);
	else if (argc >= 4 && !strcmp(argv[1], "offload"))
		cmd_offload(atoi(argv[2]), atoi(argv[3]));
	else if (argc >= 5 && !strcmp(argv[1], "call"))
		cmd_call(atoi(argv[2]), argv[3], argv[4]);
	else if (argc >= 5 && !strcmp(argv[1], "delete"))
		cmd_delete(atoi(argv[2]), argv[3], argv[4]);
	else if (argc >= 4 && !strcmp(argv[1], "stress"))
		cmd_stress(atoi(argv[2]), atoi(argv[3]));
	else if (argc >= 3 && !strcmp(argv[1], "maxtables"))
		cmd_maxtables(atoi(argv[2]));
	else if (argc >= 4 && !strcmp(argv[1], "muxcall"))
		cmd_muxcall(atoi(argv[2]), atoi(argv[3]));
	else if (argc >= 4 && !strcmp(argv[1], "unload"))
		cmd_unload(atoi(argv[2]), atoi(argv[3]));
	else if (argc >= 5 && !strcmp(argv[1], "srtpcall"))
		cmd_srtpcall(atoi(argv[2]), atoi(argv[3]), argv[4]);
	else if (argc >= 4 && !strcmp(argv[1], "srtp"))
		cmd_srtp(atoi(argv[2]), argv[3]);
	else {
		fprintf(stderr, "usage: see the comment at the top of ktest.c\n");
		return 2;
	}
	return failures ? 1 : 0;
}
