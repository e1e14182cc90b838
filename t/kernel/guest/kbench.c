/*
 * The guest side of t/bench/kernel_bench.py: one measured phase of the kernel
 * forwarding benchmark, run by t/kernel/guest/bench.sh inside the qemu guest. Built
 * statically on the host (gcc -static).
 *
 *   kbench user   ROUND CALLS RATE SECONDS NGPORT DAEMONPID
 *   kbench kernel ROUND CALLS RATE SECONDS NGPORT DAEMONPID TABLE
 *   kbench sink   ROUND CALLS RATE SECONDS
 *
 * user/kernel: sets up CALLS calls through the daemon at 127.0.0.1:NGPORT (ng offer and
 * answer, one PCMU stream each), each with two local sockets (A and B) that both send, so
 * there are 2*CALLS streams. After a warm-up (the daemon learns the endpoints; in kernel
 * mode it pushes the 2*CALLS streams into TABLE within its one-second tick, which is
 * waited for) RATE packets per second in all are sent round-robin over the streams for
 * SECONDS, paced in 5 ms ticks, and a second process counts what arrives at the peers.
 * sink: the same sockets and packets, but A sends straight to B and B to A: no relay, the
 * baseline of what sending and receiving alone cost.
 *
 * Around the sending window (which ends once the receivers had 500 ms to drain) it reads
 * /proc/stat's "cpu" line (system-wide, all CPUs, in USER_HZ ticks; its idle column is
 * measured, not sampled, while the busy columns are sampled by the tick) and the
 * monotonic time of both readings, the daemon's
 * utime+stime from /proc/PID/stat and, in kernel mode, the table's per-target forwarded
 * counters from /proc/rtpengine/TABLE/blist, and prints one line
 *
 *   KBENCH RESULT mode=... round=... key=value ...
 *
 * plus "KBENCH MARK begin|end MODE ROUND" lines right at the window's edges (the host
 * reads qemu's own CPU time when they arrive) and "KBENCH ERROR ..." for what went wrong.
 * The figures are computed on the host.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtpengine_kernel_abi.h"
#include "guest.h"

#define MAX_STREAMS 512
#define PKT_LEN 172 /* 12-byte RTP header + 160 bytes of PCMU: 20 ms at 8 kHz */
#define TICK_NS 5000000LL
#define DRAIN_MS 500

static const char *mode_name;
static int round_no;

static void fail(const char *what)
{
	printf("KBENCH ERROR mode=%s round=%d %s\n", mode_name, round_no, what);
	fflush(stdout);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- CPU time ---- */

/* /proc/stat's aggregate "cpu" line: user nice system idle iowait irq softirq steal */
struct cpu_stat {
	unsigned long long v[8];
};

static int read_cpu(struct cpu_stat *c)
{
	FILE *f = fopen("/proc/stat", "r");
	int n;

	memset(c, 0, sizeof(*c));
	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &c->v[0], &c->v[1], &c->v[2], &c->v[3], &c->v[4],
		   &c->v[5], &c->v[6], &c->v[7]);
	fclose(f);
	return n == 8 ? 0 : -1;
}

/* utime + stime of a process (all its threads), in ticks; -1 if it cannot be read. */
static long long proc_ticks(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after "pid (comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* ---- the kernel table ---- */


/* Sums the forwarded and handed-to-userspace counters of every target of the table. */
static int kernel_counters(int table, unsigned long long *fwd, unsigned long long *user)
{
	static struct rtpe_kstats_record recs[32];
	char path[64];
	ssize_t got;
	int fd;

	*fwd = *user = 0;
	snprintf(path, sizeof(path), "/proc/rtpengine/%d/blist", table);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((got = read(fd, recs, sizeof(recs))) > 0)
		for (size_t i = 0; i < (size_t)got / sizeof(recs[0]); i++) {
			*fwd += recs[i].packets;
			*user += recs[i].userspace;
		}
	close(fd);
	return got < 0 ? -1 : 0;
}

/* ---- ng ---- */


/* An ng request to the daemon at 127.0.0.1:port (guest.h), 3000 ms per try. */
static ssize_t ng_request(unsigned int port, const char *request, char *buf, size_t size)
{
	return ng_request_wait(port, request, buf, size, 3000);
}

/* An offer or answer with a PCMU SDP at 127.0.0.1:media_port; the port of the reply's
 * m=audio line (where this side is to send), 0 if none. */
static unsigned int ng_sdp(unsigned int port, const char *command, const char *call_id, const char *tags,
			   unsigned int media_port)
{
	char sdp[256], request[768], reply[4096];
	const char *m;

	snprintf(sdp, sizeof(sdp),
		 "v=0\r\no=kbench 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n", media_port);
	/* the cookie is unique per request: the daemon answers a repeated cookie from its cache */
	snprintf(request, sizeof(request), "%s-%s d7:command%zu:%s7:call-id%zu:%s%s3:sdp%zu:%se", call_id, command,
		 strlen(command), command, strlen(call_id), call_id, tags, strlen(sdp), sdp);
	if (ng_request(port, request, reply, sizeof(reply)) < 0)
		return 0;
	m = strstr(reply, "m=audio ");
	return m ? (unsigned int)atoi(m + 8) : 0;
}

static void ng_delete(unsigned int port, const char *call_id)
{
	char request[256], reply[1024];

	snprintf(request, sizeof(request), "%s-delete d7:command6:delete7:call-id%zu:%s12:delete-delayi0ee",
		 call_id, strlen(call_id), call_id);
	ng_request(port, request, reply, sizeof(reply));
}

/* ---- sockets and packets ---- */

static int nstreams;
static int fds[MAX_STREAMS];
static unsigned int own_port[MAX_STREAMS], dst_port[MAX_STREAMS];
static uint16_t seqs[MAX_STREAMS];
static uint32_t tss[MAX_STREAMS];

static int udp_socket(unsigned int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), buf = 4 << 20;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (bind(fd, (void *)&sa, sizeof(sa)) || getsockname(fd, (void *)&sa, &sl)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Stream s sends one RTP packet: SSRC 0x4b42xxxx with s in the low bits, so the receiver
 * tells whose it is. */
static int send_one(int s)
{
	unsigned char p[PKT_LEN];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(dst_port[s]) };

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(p + 12, 0xd5, PKT_LEN - 12); /* PCMU silence */
	p[0] = 0x80;
	p[1] = 0;
	p[2] = seqs[s] >> 8;
	p[3] = seqs[s];
	p[4] = tss[s] >> 24;
	p[5] = tss[s] >> 16;
	p[6] = tss[s] >> 8;
	p[7] = tss[s];
	p[8] = 0x4b;
	p[9] = 0x42;
	p[10] = s >> 8;
	p[11] = s;
	seqs[s]++;
	tss[s] += 160;
	return sendto(fds[s], p, sizeof(p), 0, (void *)&to, sizeof(to)) == (ssize_t)sizeof(p) ? 0 : -1;
}

/* Reads what is waiting on stream s's socket: packets from its peer (s ^ 1) that came
 * from where s sends to (the daemon's port for this side, or the peer itself in sink
 * mode) count as good, anything else as misrouted. */
static void recv_all(int s, unsigned long long *good, unsigned long long *bad)
{
	enum { BATCH = 32 };
	static unsigned char bufs[BATCH][256];
	static struct sockaddr_in from[BATCH];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	int n;

	do {
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(fds[s], mm, BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++) {
			const unsigned char *p = bufs[i];
			int peer = s ^ 1;

			if (mm[i].msg_len == PKT_LEN && p[8] == 0x4b && p[9] == 0x42 && p[10] == (peer >> 8) &&
			    p[11] == (peer & 0xff) && ntohs(from[i].sin_port) == dst_port[s])
				(*good)++;
			else
				(*bad)++;
		}
	} while (n == BATCH);
}

/* The receiver process: counts until the stop pipe becomes readable, drains once more and
 * writes good and misrouted counts to the result pipe. */
static void receiver(int stop_fd, int result_fd)
{
	static struct pollfd p[MAX_STREAMS + 1];
	unsigned long long counts[2] = { 0, 0 };

	for (int s = 0; s < nstreams; s++) {
		p[s].fd = fds[s];
		p[s].events = POLLIN;
	}
	p[nstreams].fd = stop_fd;
	p[nstreams].events = POLLIN;
	for (;;) {
		if (poll(p, nstreams + 1, -1) < 0 && errno != EINTR)
			break;
		for (int s = 0; s < nstreams; s++)
			if (p[s].revents & POLLIN)
				recv_all(s, &counts[0], &counts[1]);
		if (p[nstreams].revents)
			break;
	}
	for (int s = 0; s < nstreams; s++)
		recv_all(s, &counts[0], &counts[1]);
	if (write(result_fd, counts, sizeof(counts)) != sizeof(counts))
		_exit(1);
	_exit(0);
}

static void drain_all(void)
{
	unsigned long long good = 0, bad = 0;

	for (int s = 0; s < nstreams; s++)
		recv_all(s, &good, &bad);
}

int main(int argc, char **argv)
{
	int relay, table = -1, dpid = 0, calls, rate, seconds, stop_pipe[2], result_pipe[2], targets = -1, setup_ok = 1;
	unsigned int ngport = 0;
	unsigned long long sent = 0, send_errors = 0, counts[2] = { 0, 0 }, kf0 = 0, ku0 = 0, kf1 = 0, ku1 = 0;
	long long d0, d1, start, end, stat0, stat1, late = 0;
	struct cpu_stat c0, c1;
	char call_id[64];
	pid_t child;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 6) {
		fprintf(stderr, "usage: kbench user|kernel|sink ROUND CALLS RATE SECONDS [NGPORT DAEMONPID [TABLE]]\n");
		return 2;
	}
	mode_name = argv[1];
	round_no = atoi(argv[2]);
	calls = atoi(argv[3]);
	rate = atoi(argv[4]);
	seconds = atoi(argv[5]);
	relay = strcmp(mode_name, "sink") != 0;
	if (relay) {
		if (argc < 8 || (!strcmp(mode_name, "kernel") && argc < 9) ||
		    (strcmp(mode_name, "user") && strcmp(mode_name, "kernel"))) {
			fail("bad arguments");
			return 2;
		}
		ngport = atoi(argv[6]);
		dpid = atoi(argv[7]);
		if (!strcmp(mode_name, "kernel"))
			table = atoi(argv[8]);
	}
	if (calls < 1 || 2 * calls > MAX_STREAMS || rate < 1 || seconds < 1) {
		fail("bad arguments");
		return 2;
	}
	nstreams = 2 * calls;
	for (int s = 0; s < nstreams; s++) {
		fds[s] = udp_socket(&own_port[s]);
		if (fds[s] < 0) {
			fail("cannot open a UDP socket");
			return 1;
		}
		seqs[s] = 1000 * s;
		tss[s] = 0x10000 * s;
	}

	/* The calls: stream 2i is call i's A side, 2i+1 its B side. A sends to the port in the
	 * answer's SDP (the daemon's A side), B to the one in the offer's. */
	for (int i = 0; i < calls; i++) {
		int a = 2 * i, b = a + 1;

		if (!relay) {
			dst_port[a] = own_port[b];
			dst_port[b] = own_port[a];
			continue;
		}
		snprintf(call_id, sizeof(call_id), "kbench-%s-%d-%d", mode_name, round_no, i);
		dst_port[b] = ng_sdp(ngport, "offer", call_id, "8:from-tag1:a", own_port[a]);
		dst_port[a] = ng_sdp(ngport, "answer", call_id, "8:from-tag1:a6:to-tag1:b", own_port[b]);
		if (!dst_port[a] || !dst_port[b]) {
			fail("offer/answer gave no media port");
			setup_ok = 0;
			break;
		}
	}

	if (setup_ok) {
		/* Warm-up: a few packets each way, so the daemon learns every endpoint; then the
		 * daemon's tick (once a second) pushes the streams into the kernel. User and sink
		 * wait as long, so every mode starts from the same quiet state. */
		for (int k = 0; k < 3; k++) {
			for (int s = 0; s < nstreams; s++)
				send_one(s);
			sleep_ms(20);
		}
		sleep_ms(200);
		drain_all();
		if (table >= 0) {
			for (int n = 0; n < 100 && targets_in(table) < nstreams; n++)
				sleep_ms(100);
			targets = targets_in(table);
			if (targets < nstreams)
				fail("not every stream was pushed into the kernel table");
		}
		sleep_ms(1500);
		drain_all();

		if (pipe(stop_pipe) || pipe(result_pipe)) {
			fail("pipe");
			return 1;
		}
		child = fork();
		if (child == 0) {
			close(stop_pipe[1]);
			close(result_pipe[0]);
			receiver(stop_pipe[0], result_pipe[1]);
		}
		close(stop_pipe[0]);
		close(result_pipe[1]);
		sleep_ms(100); /* the receiver is in poll() */

		if (table >= 0)
			kernel_counters(table, &kf0, &ku0);
		d0 = proc_ticks(dpid);
		printf("KBENCH MARK begin %s %d\n", mode_name, round_no);
		read_cpu(&c0);
		start = stat0 = now_ns();

		/* RATE packets per second in all, round-robin over the streams; every 5 ms tick
		 * sends what is due by then (so a late tick catches up). */
		{
			unsigned long long total = (unsigned long long)rate * seconds;
			long long tick = start;
			int s = 0;

			while (sent < total) {
				long long t = now_ns();
				unsigned long long due = (unsigned long long)((t - start) * (double)rate / 1e9);
				struct timespec ts;

				if (t - tick > late)
					late = t - tick;
				if (due > total)
					due = total;
				while (sent < due) {
					if (send_one(s))
						send_errors++;
					sent++;
					s = (s + 1) % nstreams;
				}
				tick += TICK_NS;
				if (tick < t)
					tick = t - t % TICK_NS + TICK_NS; /* fell behind: no burst of missed ticks */
				ts.tv_sec = tick / 1000000000LL;
				ts.tv_nsec = tick % 1000000000LL;
				while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
					;
			}
		}
		sleep_ms(DRAIN_MS);
		if (write(stop_pipe[1], "x", 1) != 1)
			fail("cannot stop the receiver");
		if (read(result_pipe[0], counts, sizeof(counts)) != sizeof(counts))
			fail("no counts from the receiver");
		waitpid(child, NULL, 0);
		read_cpu(&c1);
		stat1 = end = now_ns();
		printf("KBENCH MARK end %s %d\n", mode_name, round_no);
		d1 = proc_ticks(dpid);
		if (table >= 0)
			kernel_counters(table, &kf1, &ku1);

		printf("KBENCH RESULT mode=%s round=%d calls=%d rate=%d seconds=%d sent=%llu recv=%llu misrouted=%llu "
		       "send_errors=%llu wall_ms=%lld late_ms=%lld cpu_user=%llu cpu_nice=%llu cpu_system=%llu "
		       "cpu_idle=%llu cpu_iowait=%llu cpu_irq=%llu cpu_softirq=%llu cpu_steal=%llu daemon=%lld "
		       "targets=%d kernel_fwd=%llu kernel_to_user=%llu clk_tck=%ld ncpus=%ld stat_us=%lld\n",
		       mode_name, round_no, calls, rate, seconds, sent, counts[0], counts[1], send_errors,
		       (end - start) / 1000000, late / 1000000, c1.v[0] - c0.v[0], c1.v[1] - c0.v[1], c1.v[2] - c0.v[2],
		       c1.v[3] - c0.v[3], c1.v[4] - c0.v[4], c1.v[5] - c0.v[5], c1.v[6] - c0.v[6], c1.v[7] - c0.v[7],
		       d0 >= 0 && d1 >= 0 ? d1 - d0 : -1, targets, kf1 - kf0, ku1 - ku0, sysconf(_SC_CLK_TCK),
		       sysconf(_SC_NPROCESSORS_ONLN), (stat1 - stat0) / 1000);
	}

	if (relay)
		for (int i = 0; i < calls; i++) {
			snprintf(call_id, sizeof(call_id), "kbench-%s-%d-%d", mode_name, round_no, i);
			ng_delete(ngport, call_id);
		}
	for (int s = 0; s < nstreams; s++)
		close(fds[s]);
	return setup_ok ? 0 : 1;
}
