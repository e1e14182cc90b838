/*
 * What the guest programs (ktest.c, kbench.c) share: an ng request to the daemon and the
 * target count of a kernel table. Static functions in a header: each program is one
 * translation unit, built statically on the host.
 */
#ifndef RTPE_GUEST_H
#define RTPE_GUEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One ng request to 127.0.0.1:port, sent up to 5 times, waiting timeout_ms for each
 * reply; the reply NUL-terminated in buf and its length, or -1. */
static ssize_t ng_request_wait(unsigned int port, const char *request, char *buf, size_t size, int timeout_ms)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct pollfd p;
	ssize_t n = -1;
	int fd, tries;

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	for (tries = 0; fd >= 0 && tries < 5 && n < 0; tries++) {
		sendto(fd, request, strlen(request), 0, (struct sockaddr *)&to, sizeof(to));
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, timeout_ms) == 1)
			n = recv(fd, buf, size - 1, 0);
	}
	buf[n >= 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return n;
}

/* The "Targets:" line of /proc/rtpengine/TABLE/status; -1 without the table. */
static int targets_in(unsigned int table)
{
	char path[64], line[128];
	int targets = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/rtpengine/%u/status", table);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Targets:", 8))
			targets = atoi(line + 8);
	if (f)
		fclose(f);
	return targets;
}

#endif
