// SPDX-License-Identifier: GPL-2.0
/*
 * xt_RTPENGINE: in-kernel RTP forwarding for the rtpengine daemon.
 *
 * An x_tables target (-j RTPENGINE --id N, INPUT chain of the filter table, IPv4 and
 * IPv6) looks each UDP packet up in forwarding table N by the address and port it
 * arrived on. A packet that has a target and passes the target's checks is sent on as a
 * new UDP packet (new IP and UDP headers, the payload unchanged) through the routing
 * stack, and the original is dropped; anything else continues down the chain to the
 * daemon's socket.
 *
 * Tables are driven through /proc/rtpengine (see docs/kernel.md):
 *   control          "add N" / "del N"
 *   list             the ids of the tables, one a line
 *   N/control        binary struct rtpe_kmsg writes (rtpengine_kernel_abi.h); opened by
 *                    one process at a time, which owns the table while it has it open
 *   N/list           the targets with their counters, as text
 *   N/blist          the targets with their counters, as struct rtpe_kstats_record
 *   N/status         owner and number of targets
 *
 * Locking: tables_lock (a mutex) serialises every change to a table, its owner and its
 * targets; the packet path reads under RCU only. ctl_lock serialises creating and
 * deleting whole tables, so a table's /proc directory is gone before its number can be
 * used again; it is never taken inside tables_lock.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/version.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/atomic.h>
#include <linux/jhash.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/ktime.h>
#include <linux/skbuff.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/ip6_route.h>
#include <net/ip6_checksum.h>
#include <net/checksum.h>
#include <net/dst.h>
#include <linux/scatterlist.h>
#include <linux/workqueue.h>
#include <crypto/skcipher.h>
#include <crypto/hash.h>
#include <crypto/algapi.h>

#include "rtpengine_kernel_abi.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 6, 0)
#error "xt_RTPENGINE needs Linux 5.6 or later (struct proc_ops)"
#endif
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)
#define pde_data(inode) PDE_DATA(inode)
#endif

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rtpengine in-kernel RTP forwarding (x_tables target RTPENGINE)");
MODULE_ALIAS("ipt_RTPENGINE");
MODULE_ALIAS("ip6t_RTPENGINE");
/* the template of the "ctr(aes)" SRTP asks the crypto API for (a module in Debian) */
MODULE_SOFTDEP("pre: ctr");
#ifdef RTPENGINE_VERSION
MODULE_VERSION(RTPENGINE_VERSION);
#endif

static uint proc_uid;
module_param(proc_uid, uint, 0444);
MODULE_PARM_DESC(proc_uid, "owner (user id) of the /proc/rtpengine entries");

static uint proc_gid;
module_param(proc_gid, uint, 0444);
MODULE_PARM_DESC(proc_gid, "group id of the /proc/rtpengine entries");

static uint proc_mask;
module_param(proc_mask, hexint, 0444);
MODULE_PARM_DESC(proc_mask, "mode bits taken away from each table's /proc directory");

static uint max_tables = RTPE_KABI_DEFAULT_TABLES;
module_param(max_tables, uint, 0444);
MODULE_PARM_DESC(max_tables, "number of forwarding tables (ids 0 .. max_tables-1), 1..1024");

#define RTPE_MAX_TABLES_LIMIT 1024
#define RTPE_HASH_BITS 10
#define RTPE_HASH_SIZE (1u << RTPE_HASH_BITS)

/* One direction's SRTP or SRTCP session (RFC 3711 3.2): the session keys derived from
 * the master key when the target is written, in process context. Read-only on the
 * packet path; the tfms are keyed once and then used concurrently with requests and
 * descriptors on the stack (the IV goes with the request, not the tfm). */
struct rtpe_srtp {
	bool active;                       /* not NULL/NULL */
	u32 cipher;                        /* enum rtpe_kcipher: NULL or AES-CM */
	unsigned int tag_len;              /* of the stream this target carries (RTP or RTCP) */
	unsigned int mki_len;
	u8 mki[16];
	u8 salt[14];                       /* session salt (AES-CM only) */
	struct crypto_sync_skcipher *ctr;  /* "ctr(aes)" keyed with the session key; NULL cipher: NULL */
	struct crypto_shash *hmac;         /* "hmac(sha1)" keyed with the session auth key */
};

struct rtpe_cfg {
	struct rtpe_ktarget t;
	struct rtpe_srtp dec, enc;
	struct rcu_work free_work;
};

/* The RFC 3711 3.3.2 replay list of a decrypt side: bit d of the 128 says whether index
 * highest - d was accepted (bits[0] holds d 0..63). As userspace's default window. */
#define RTPE_REPLAY_WINDOW 128
struct rtpe_replay {
	u64 bits[2];
};

/* Per SSRC slot: the RFC 3711 3.3.1 rollover counter and highest sequence number, and on
 * the decrypt side the replay list below that index. */
struct rtpe_roc {
	u32 roc;
	u16 seq;
	bool seen; /* seq is valid; before the first packet the index is roc << 16 | SEQ */
	struct rtpe_replay replay;
};

/* The same for SRTCP's explicit 31-bit index, per slot, on the decrypt side. */
struct rtpe_rtcp_rx {
	u32 highest;
	bool seen;
	struct rtpe_replay replay;
};

struct rtpe_target {
	struct hlist_node node; /* in rtpe_table.hash, RCU */
	struct rcu_work free_work;
	struct rtpe_kaddr local;
	struct rtpe_cfg __rcu *cfg;

	atomic64_t packets;
	atomic64_t bytes;
	atomic64_t errors;
	atomic64_t userspace;
	atomic64_t last_us;
	atomic64_t pt_packets[RTPE_KABI_MAX_PT];

	spinlock_t ssrc_lock; /* protects the ssrc_* arrays and the SRTP state; taken in softirq */
	bool ssrc_used[RTPE_KABI_NUM_SSRC];
	u32 ssrc_id[RTPE_KABI_NUM_SSRC];
	u64 ssrc_packets[RTPE_KABI_NUM_SSRC];
	u64 ssrc_bytes[RTPE_KABI_NUM_SSRC];
	/* SRTP state, per SSRC slot: what was decrypted, what was encrypted */
	struct rtpe_roc dec_roc[RTPE_KABI_NUM_SSRC];
	struct rtpe_roc enc_roc[RTPE_KABI_NUM_SSRC];
	struct rtpe_rtcp_rx dec_srtcp[RTPE_KABI_NUM_SSRC]; /* SRTCP indices authenticated, per slot */
	u32 enc_srtcp_next;                /* SRTCP index the next encrypted packet gets */
};

struct rtpe_table {
	unsigned int id;
	pid_t owner; /* tgid holding N/control open, 0 if none; tables_lock */
	bool dying; /* being deleted: N/control cannot be opened; tables_lock */
	unsigned int num_targets; /* tables_lock */
	struct proc_dir_entry *dir;
	struct hlist_head hash[RTPE_HASH_SIZE];
};

static struct rtpe_table __rcu **tables;
static DEFINE_MUTEX(tables_lock);
static DEFINE_MUTEX(ctl_lock);
static struct proc_dir_entry *proc_root;
static struct workqueue_struct *free_wq; /* frees configs and targets (crypto tfms) after RCU */
static kuid_t proc_kuid;
static kgid_t proc_kgid;

#define table_deref(id) rcu_dereference_protected(tables[id], lockdep_is_held(&tables_lock))
#define cfg_deref(g) rcu_dereference_protected((g)->cfg, lockdep_is_held(&tables_lock))

/* ---- addresses ---- */

static bool kaddr_valid(const struct rtpe_kaddr *a, bool need_port)
{
	static const u8 zero[12];

	if (need_port && !a->port)
		return false;
	switch (a->family) {
	case RTPE_KAF_INET:
		return !memcmp(a->addr + 4, zero, sizeof(zero));
	case RTPE_KAF_INET6:
		return true;
	default:
		return false;
	}
}

static bool kaddr_equal(const struct rtpe_kaddr *a, const struct rtpe_kaddr *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static u32 kaddr_hash(const struct rtpe_kaddr *a)
{
	u32 words[4];

	memcpy(words, a->addr, sizeof(words));
	return jhash2(words, 4, ((u32)a->family << 16) | a->port) & (RTPE_HASH_SIZE - 1);
}

/* The caller holds rcu_read_lock or tables_lock. */
static struct rtpe_target *target_find(struct rtpe_table *t, const struct rtpe_kaddr *local)
{
	struct rtpe_target *g;

	hlist_for_each_entry_rcu(g, &t->hash[kaddr_hash(local)], node, lockdep_is_held(&tables_lock)) {
		if (kaddr_equal(&g->local, local))
			return g;
	}
	return NULL;
}

static void srtp_free(struct rtpe_srtp *s)
{
	if (s->ctr)
		crypto_free_sync_skcipher(s->ctr);
	if (s->hmac)
		crypto_free_shash(s->hmac);
	s->ctr = NULL;
	s->hmac = NULL;
}

/* No reader left; process context. The config holds the master keys: wiped. */
static void cfg_free(struct rtpe_cfg *cfg)
{
	if (!cfg)
		return;
	srtp_free(&cfg->dec);
	srtp_free(&cfg->enc);
	kfree_sensitive(cfg);
}

static void cfg_free_work(struct work_struct *w)
{
	cfg_free(container_of(to_rcu_work(w), struct rtpe_cfg, free_work));
}

/* After a grace period, in process context (freeing a tfm is not for softirq). */
static void cfg_free_rcu(struct rtpe_cfg *cfg)
{
	INIT_RCU_WORK(&cfg->free_work, cfg_free_work);
	queue_rcu_work(free_wq, &cfg->free_work);
}

static void target_free_work(struct work_struct *w)
{
	struct rtpe_target *g = container_of(to_rcu_work(w), struct rtpe_target, free_work);

	cfg_free(rcu_dereference_raw(g->cfg));
	kfree(g);
}

/* ---- the forwarding path ---- */

static int send_ipv4(struct net *net, const struct rtpe_ktarget *c, struct sk_buff *skb)
{
	struct flowi4 fl4;
	struct rtable *rt;
	struct udphdr *uh = udp_hdr(skb);
	struct iphdr *iph;
	__be32 saddr, daddr;
	__wsum csum;
	int err;

	memcpy(&saddr, c->src.addr, 4);
	memcpy(&daddr, c->dst.addr, 4);
	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = daddr;
	fl4.saddr = saddr;
	fl4.flowi4_proto = IPPROTO_UDP;
	fl4.flowi4_tos = RT_TOS(c->tos);
	fl4.fl4_sport = uh->source;
	fl4.fl4_dport = uh->dest;
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return PTR_ERR(rt);
	}

	csum = csum_partial(uh, ntohs(uh->len), 0);
	uh->check = csum_tcpudp_magic(saddr, daddr, ntohs(uh->len), IPPROTO_UDP, csum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = c->tos;
	iph->tot_len = htons(skb->len);
	iph->frag_off = 0;
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_UDP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	skb_dst_set(skb, &rt->dst);
	ip_select_ident(net, skb, NULL);
	ip_send_check(iph);

	skb->protocol = htons(ETH_P_IP);
	skb->ip_summed = CHECKSUM_NONE;
	err = ip_local_out(net, NULL, skb);
	return net_xmit_eval(err);
}

static int send_ipv6(struct net *net, const struct rtpe_ktarget *c, struct sk_buff *skb)
{
	struct flowi6 fl6;
	struct dst_entry *dst;
	struct udphdr *uh = udp_hdr(skb);
	struct ipv6hdr *ip6h;
	__wsum csum;
	int err;

	memset(&fl6, 0, sizeof(fl6));
	memcpy(&fl6.daddr, c->dst.addr, 16);
	memcpy(&fl6.saddr, c->src.addr, 16);
	fl6.flowi6_proto = IPPROTO_UDP;
	fl6.fl6_sport = uh->source;
	fl6.fl6_dport = uh->dest;
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		err = dst->error;
		dst_release(dst);
		kfree_skb(skb);
		return err;
	}

	csum = csum_partial(uh, ntohs(uh->len), 0);
	uh->check = csum_ipv6_magic(&fl6.saddr, &fl6.daddr, ntohs(uh->len), IPPROTO_UDP, csum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;

	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, c->tos, 0);
	ip6h->payload_len = uh->len;
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = fl6.daddr;
	skb_dst_set(skb, dst);

	skb->protocol = htons(ETH_P_IPV6);
	skb->ip_summed = CHECKSUM_NONE;
	err = ip6_local_out(net, NULL, skb);
	return net_xmit_eval(err);
}

/* Room for what SRTP may add to a packet: an SRTCP index, an MKI and a tag. */
#define RTPE_SRTP_GROWTH (4 + 16 + 10)

/* A new skb with the plen payload bytes of `in` at `poff`, and room for SRTP to grow. */
static struct sk_buff *copy_payload(const struct sk_buff *in, unsigned int poff, unsigned int plen)
{
	unsigned int hroom = LL_MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr);
	struct sk_buff *skb;

	skb = alloc_skb(hroom + plen + RTPE_SRTP_GROWTH, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, hroom);
	if (skb_copy_bits(in, poff, skb_put(skb, plen), plen)) {
		kfree_skb(skb);
		return NULL;
	}
	skb->mark = in->mark;
	return skb;
}

/* Puts the UDP header in front of the payload in skb and sends it; consumes skb. */
static int send_payload(struct net *net, const struct rtpe_ktarget *c, struct sk_buff *skb)
{
	unsigned int plen = skb->len;
	struct udphdr *uh;

	uh = skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	uh->source = htons(c->src.port);
	uh->dest = htons(c->dst.port);
	uh->len = htons(plen + sizeof(*uh));
	uh->check = 0;

	if (c->dst.family == RTPE_KAF_INET)
		return send_ipv4(net, c, skb);
	return send_ipv6(net, c, skb);
}

/* Builds the outgoing packet from the payload of `in` at `poff` and sends it. */
static int forward_payload(struct net *net, const struct rtpe_ktarget *c, const struct sk_buff *in,
		unsigned int poff, unsigned int plen)
{
	struct sk_buff *skb = copy_payload(in, poff, plen);

	if (!skb)
		return -ENOMEM;
	return send_payload(net, c, skb);
}

/* ---- SRTP and SRTCP (RFC 3711) ---- */

/* AES-CM (RFC 3711 4.1.1) over data in place: IV = salt * 2^16 ^ SSRC * 2^64 ^ index * 2^16.
 * data must not be on the stack (it goes into a scatterlist). Any context. */
static noinline int srtp_aes_cm(struct crypto_sync_skcipher *tfm, const u8 *salt, u32 ssrc, u64 index,
		u8 *data, unsigned int len)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg;
	u8 iv[16];
	unsigned int i;
	int err;

	if (!len)
		return 0;
	memcpy(iv, salt, 14);
	iv[14] = iv[15] = 0;
	for (i = 0; i < 4; i++)
		iv[4 + i] ^= (u8)(ssrc >> (24 - 8 * i));
	for (i = 0; i < 6; i++)
		iv[8 + i] ^= (u8)(index >> (40 - 8 * i));
	sg_init_one(&sg, data, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, iv);
	err = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	return err;
}

/* HMAC-SHA1 over data (and the ROC, big-endian, for SRTP), the first tag_len bytes of
 * it into tag. */
static noinline int srtp_hmac(struct crypto_shash *tfm, const u8 *data, unsigned int len, const u32 *roc,
		u8 *tag, unsigned int tag_len)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	u8 out[20];
	__be32 r;
	int err;

	desc->tfm = tfm;
	err = crypto_shash_init(desc);
	if (!err)
		err = crypto_shash_update(desc, data, len);
	if (!err && roc) {
		r = cpu_to_be32(*roc);
		err = crypto_shash_update(desc, (const u8 *)&r, sizeof(r));
	}
	if (!err)
		err = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	if (!err)
		memcpy(tag, out, tag_len);
	memzero_explicit(out, sizeof(out));
	return err;
}

/* The SRTP index of seq (RFC 3711 3.3.1 and appendix A) from a slot's state. */
static u64 roc_estimate(const struct rtpe_roc *r, u16 seq)
{
	u32 v = r->roc;

	if (r->seen) {
		if (r->seq < 32768) {
			if ((int)seq - (int)r->seq > 32768)
				v = r->roc - 1;
		} else if ((int)r->seq - 32768 > (int)seq) {
			v = r->roc + 1;
		}
	}
	return ((u64)v << 16) | seq;
}

/* After a packet with this index was accepted (or sent). */
static void roc_update(struct rtpe_roc *r, u64 index)
{
	u64 cur = ((u64)r->roc << 16) | r->seq;

	if (!r->seen || index > cur) {
		r->roc = (u32)(index >> 16);
		r->seq = (u16)index;
		r->seen = true;
	}
}

/* Whether index may still be accepted below highest (never seen, not too old). */
static bool replay_ok(const struct rtpe_replay *w, bool seen, u64 highest, u64 index)
{
	u64 d;

	if (!seen || index > highest)
		return true;
	d = highest - index;
	if (d >= RTPE_REPLAY_WINDOW)
		return false; /* too old to tell */
	return !((w->bits[d / 64] >> (d % 64)) & 1);
}

/* Records index as accepted; highest is the list's top before, new_highest after. */
static void replay_mark(struct rtpe_replay *w, bool seen, u64 highest, u64 new_highest, u64 index)
{
	u64 n = seen ? new_highest - highest : RTPE_REPLAY_WINDOW, d;

	if (n >= RTPE_REPLAY_WINDOW) {
		w->bits[0] = w->bits[1] = 0;
	} else if (n >= 64) {
		w->bits[1] = w->bits[0] << (n - 64);
		w->bits[0] = 0;
	} else if (n) {
		w->bits[1] = (w->bits[1] << n) | (w->bits[0] >> (64 - n));
		w->bits[0] <<= n;
	}
	d = new_highest - index;
	if (d < RTPE_REPLAY_WINDOW)
		w->bits[d / 64] |= 1ull << (d % 64);
}

static u64 roc_index(const struct rtpe_roc *r)
{
	return ((u64)r->roc << 16) | r->seq;
}

/* Decrypt side: index accepted after authentication. false if it turned out a replay
 * (another CPU accepted the same packet meanwhile). ssrc_lock held. */
static bool roc_accept(struct rtpe_roc *r, u64 index)
{
	u64 top = roc_index(r), new_top = !r->seen || index > top ? index : top;

	if (!replay_ok(&r->replay, r->seen, top, index))
		return false;
	replay_mark(&r->replay, r->seen, top, new_top, index);
	roc_update(r, index);
	return true;
}

static bool srtcp_accept(struct rtpe_rtcp_rx *r, u32 index)
{
	u32 new_top = !r->seen || index > r->highest ? index : r->highest;

	if (!replay_ok(&r->replay, r->seen, r->highest, index))
		return false;
	replay_mark(&r->replay, r->seen, r->highest, new_top, index);
	r->highest = new_top;
	r->seen = true;
	return true;
}

/* The slot of ssrc among a target's SSRC slots: the one it has, else (unless the slots
 * are the fixed SSRC-check list) the first free one, claimed if `claim`. -1: none.
 * ssrc_lock held. */
static int ssrc_slot(struct rtpe_target *g, bool fixed, u32 ssrc, bool claim)
{
	unsigned int i;
	int slot = -1;

	for (i = 0; i < RTPE_KABI_NUM_SSRC; i++) {
		if (g->ssrc_used[i] && g->ssrc_id[i] == ssrc)
			return i;
		if (!g->ssrc_used[i] && slot < 0 && !fixed)
			slot = i;
	}
	if (slot >= 0 && claim) {
		g->ssrc_used[slot] = true;
		g->ssrc_id[slot] = ssrc;
	}
	return slot;
}

/* Length of the RTP header (fixed part, CSRCs, extension) at p, or 0 if it does not fit. */
static unsigned int rtp_header_len(const u8 *p, unsigned int len)
{
	unsigned int h = 12 + 4 * (p[0] & 0x0f);

	if (h > len)
		return 0;
	if (p[0] & 0x10) {
		if (h + 4 > len)
			return 0;
		h += 4 + 4 * (((unsigned int)p[h + 2] << 8) | p[h + 3]);
		if (h > len)
			return 0;
	}
	return h;
}

static u32 get_be32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Checks the MKI and the tag at the end of buf[0, *len) (SRTP: with the ROC); on success
 * *len loses them. 0, or -EBADMSG. */
static int srtp_verify(const struct rtpe_srtp *s, const u8 *buf, unsigned int *len, const u32 *roc)
{
	unsigned int trailer = s->mki_len + s->tag_len, body;
	u8 tag[20];
	int bad;

	if (*len < trailer)
		return -EBADMSG;
	body = *len - trailer;
	if (s->mki_len && memcmp(buf + body, s->mki, s->mki_len))
		return -EBADMSG;
	if (srtp_hmac(s->hmac, buf, body, roc, tag, s->tag_len))
		return -EBADMSG;
	bad = crypto_memneq(tag, buf + body + s->mki_len, s->tag_len);
	memzero_explicit(tag, sizeof(tag));
	if (bad)
		return -EBADMSG;
	*len = body;
	return 0;
}

/* Appends the MKI and the tag over buf[0, *len) (SRTP: with the ROC). */
static int srtp_sign(const struct rtpe_srtp *s, u8 *buf, unsigned int *len, const u32 *roc)
{
	unsigned int body = *len;
	int err;

	memcpy(buf + body, s->mki, s->mki_len);
	err = srtp_hmac(s->hmac, buf, body, roc, buf + body + s->mki_len, s->tag_len);
	*len = body + s->mki_len + s->tag_len;
	return err;
}

enum { RTPE_SENT, RTPE_SEND_ERROR, RTPE_TO_USERSPACE, RTPE_REPLAYED };

/* An RTP packet of an SRTP target: decrypt (tag checked first), encrypt, send. The
 * index of each side comes from its own per-SSRC-slot ROC. */
static int srtp_rtp(struct rtpe_target *g, const struct rtpe_cfg *cfg, u8 *buf, unsigned int *plen)
{
	const struct rtpe_ktarget *c = &cfg->t;
	bool fixed = c->flags & RTPE_KF_SSRC_CHECK;
	unsigned int len = *plen, hlen;
	u32 ssrc = get_be32(buf + 8), roc;
	u16 seq = ((u16)buf[2] << 8) | buf[3];
	u64 dec_index = 0, enc_index = 0;
	int slot;

	bool fresh = true;

	spin_lock(&g->ssrc_lock);
	slot = ssrc_slot(g, fixed, ssrc, false);
	if (slot >= 0 && cfg->dec.active) {
		const struct rtpe_roc *r = &g->dec_roc[slot];

		dec_index = roc_estimate(r, seq);
		/* a slot not yet claimed has no history for this SSRC */
		if (g->ssrc_used[slot])
			fresh = replay_ok(&r->replay, r->seen, roc_index(r), dec_index);
	}
	spin_unlock(&g->ssrc_lock);
	if (slot < 0)
		return RTPE_TO_USERSPACE; /* no slot to keep this SSRC's ROC in */
	if (!fresh)
		return RTPE_REPLAYED; /* before spending an HMAC on it */

	if (cfg->dec.active) {
		roc = (u32)(dec_index >> 16);
		if (srtp_verify(&cfg->dec, buf, &len, &roc))
			return RTPE_TO_USERSPACE;
		hlen = rtp_header_len(buf, len);
		if (!hlen)
			return RTPE_TO_USERSPACE;
		if (cfg->dec.ctr && srtp_aes_cm(cfg->dec.ctr, cfg->dec.salt, ssrc, dec_index, buf + hlen, len - hlen))
			return RTPE_SEND_ERROR;
	}

	spin_lock(&g->ssrc_lock);
	slot = ssrc_slot(g, fixed, ssrc, true);
	if (slot >= 0 && cfg->dec.active)
		fresh = roc_accept(&g->dec_roc[slot], dec_index);
	if (slot >= 0 && fresh && cfg->enc.active) {
		enc_index = roc_estimate(&g->enc_roc[slot], seq);
		roc_update(&g->enc_roc[slot], enc_index);
	}
	spin_unlock(&g->ssrc_lock);
	if (slot < 0)
		return RTPE_TO_USERSPACE; /* the slots filled up meanwhile */
	if (!fresh)
		return RTPE_REPLAYED;

	if (cfg->enc.active) {
		hlen = rtp_header_len(buf, len);
		if (!hlen)
			return RTPE_TO_USERSPACE;
		if (cfg->enc.ctr && srtp_aes_cm(cfg->enc.ctr, cfg->enc.salt, ssrc, enc_index, buf + hlen, len - hlen))
			return RTPE_SEND_ERROR;
		roc = (u32)(enc_index >> 16);
		if (srtp_sign(&cfg->enc, buf, &len, &roc))
			return RTPE_SEND_ERROR;
	}
	*plen = len;
	return RTPE_SENT;
}

/* An RTCP packet of an SRTP target (RFC 3711 3.4): header(8) | payload | E+index | MKI | tag. */
static int srtp_rtcp(struct rtpe_target *g, const struct rtpe_cfg *cfg, u8 *buf, unsigned int *plen)
{
	unsigned int len = *plen;
	u32 ssrc, eindex, index;
	int slot;

	if (len < 8 || (buf[0] >> 6) != 2)
		return RTPE_TO_USERSPACE;
	ssrc = get_be32(buf + 4);

	if (cfg->dec.active) {
		bool fresh = true;

		if (srtp_verify(&cfg->dec, buf, &len, NULL) || len < 8 + 4)
			return RTPE_TO_USERSPACE;
		len -= 4;
		eindex = get_be32(buf + len);
		index = eindex & 0x7fffffffu;
		spin_lock(&g->ssrc_lock);
		slot = ssrc_slot(g, false, ssrc, true);
		if (slot >= 0)
			fresh = srtcp_accept(&g->dec_srtcp[slot], index);
		spin_unlock(&g->ssrc_lock);
		if (slot < 0)
			return RTPE_TO_USERSPACE; /* no slot for this SSRC's replay list */
		if (!fresh)
			return RTPE_REPLAYED;
		if ((eindex >> 31) && cfg->dec.ctr
				&& srtp_aes_cm(cfg->dec.ctr, cfg->dec.salt, ssrc, index, buf + 8, len - 8))
			return RTPE_SEND_ERROR;
	}

	if (cfg->enc.active) {
		spin_lock(&g->ssrc_lock);
		index = g->enc_srtcp_next;
		g->enc_srtcp_next = (index + 1) & 0x7fffffffu;
		spin_unlock(&g->ssrc_lock);
		eindex = index;
		if (cfg->enc.ctr) {
			if (srtp_aes_cm(cfg->enc.ctr, cfg->enc.salt, ssrc, index, buf + 8, len - 8))
				return RTPE_SEND_ERROR;
			eindex |= 0x80000000u;
		}
		put_be32(buf + len, eindex);
		len += 4;
		if (srtp_sign(&cfg->enc, buf, &len, NULL))
			return RTPE_SEND_ERROR;
	}
	*plen = len;
	return RTPE_SENT;
}

/* The SRTP/SRTCP path of forwarding: the payload is copied, transformed in place and sent.
 * 0 sent, 1 for userspace, or -errno (dropped, an error; -EALREADY: a replay). */
static int forward_srtp(struct net *net, struct rtpe_target *g, const struct rtpe_cfg *cfg,
		const struct sk_buff *in, unsigned int poff, unsigned int plen)
{
	struct sk_buff *skb = copy_payload(in, poff, plen);
	unsigned int len = plen;
	int v;

	if (!skb)
		return -ENOMEM;
	if (cfg->t.flags & RTPE_KF_RTCP)
		v = srtp_rtcp(g, cfg, skb->data, &len);
	else
		v = srtp_rtp(g, cfg, skb->data, &len);
	if (v != RTPE_SENT) {
		kfree_skb(skb);
		return v == RTPE_TO_USERSPACE ? 1 : v == RTPE_REPLAYED ? -EALREADY : -EIO;
	}
	if (len < skb->len)
		skb_trim(skb, len);
	else if (len > skb->len)
		skb_put(skb, len - skb->len);
	v = send_payload(net, &cfg->t, skb);
	return v > 0 ? -EIO : v; /* NET_XMIT_DROP and the like: dropped, not for userspace */
}

static int find_u8(const u8 *list, unsigned int n, u8 v)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return i;
	return -1;
}

static void count_ssrc(struct rtpe_target *g, bool fixed, u32 ssrc, unsigned int plen)
{
	int slot;

	spin_lock(&g->ssrc_lock);
	slot = ssrc_slot(g, fixed, ssrc, true);
	if (slot >= 0) {
		g->ssrc_packets[slot]++;
		g->ssrc_bytes[slot] += plen;
	}
	spin_unlock(&g->ssrc_lock);
}

static unsigned int rtpe_tg(struct sk_buff *skb, const struct xt_action_param *par, bool v6)
{
	const struct xt_rtpengine_info *info = par->targinfo;
	struct rtpe_kaddr from, to;
	struct udphdr _uh;
	const struct udphdr *uh;
	u8 _rtp[12];
	const u8 *rtp;
	unsigned int l4off, ulen, plen;
	struct rtpe_table *t;
	struct rtpe_target *g;
	const struct rtpe_cfg *cfg;
	const struct rtpe_ktarget *c;
	bool is_rtp = false, srtp;
	int pt_idx = -1;
	u32 ssrc = 0;
	int err;

	memset(&from, 0, sizeof(from));
	memset(&to, 0, sizeof(to));
	if (!v6) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->protocol != IPPROTO_UDP || ip_is_fragment(iph))
			return XT_CONTINUE;
		l4off = skb_network_offset(skb) + ip_hdrlen(skb);
		from.family = to.family = RTPE_KAF_INET;
		memcpy(from.addr, &iph->saddr, 4);
		memcpy(to.addr, &iph->daddr, 4);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		if (ip6h->nexthdr != IPPROTO_UDP)
			return XT_CONTINUE;
		l4off = skb_network_offset(skb) + sizeof(*ip6h);
		from.family = to.family = RTPE_KAF_INET6;
		memcpy(from.addr, &ip6h->saddr, 16);
		memcpy(to.addr, &ip6h->daddr, 16);
	}
	if (skb_is_gso(skb))
		return XT_CONTINUE;
	uh = skb_header_pointer(skb, l4off, sizeof(_uh), &_uh);
	if (!uh)
		return XT_CONTINUE;
	ulen = ntohs(uh->len);
	if (ulen < sizeof(*uh) || l4off + ulen > skb->len)
		return XT_CONTINUE;
	plen = ulen - sizeof(*uh);
	/* A packet with a bad UDP checksum is not made whole by forwarding it: the stack
	 * drops it on the way to the socket. (IPv4 checksum 0 means none.) */
	if ((v6 || uh->check) && nf_checksum(skb, xt_hooknum(par), l4off, IPPROTO_UDP,
				v6 ? AF_INET6 : AF_INET))
		return XT_CONTINUE;
	from.port = ntohs(uh->source);
	to.port = ntohs(uh->dest);

	if (info->id >= max_tables)
		return XT_CONTINUE;

	rcu_read_lock();
	t = rcu_dereference(tables[info->id]);
	if (!t)
		goto pass;
	g = target_find(t, &to);
	if (!g)
		goto pass;
	cfg = rcu_dereference(g->cfg);
	c = &cfg->t;
	srtp = cfg->dec.active || cfg->enc.active;

	if (c->expected_src.family) {
		if (c->expected_src.family != from.family
				|| memcmp(c->expected_src.addr, from.addr, 16)
				|| (c->expected_src.port && c->expected_src.port != from.port))
			goto userspace;
	}

	if (!(c->flags & RTPE_KF_RTCP)) {
		rtp = plen >= sizeof(_rtp) ? skb_header_pointer(skb, l4off + sizeof(*uh), sizeof(_rtp), _rtp)
			: NULL;
		/* RTP version 2, and not RTCP muxed onto the port (packet types 192..223) */
		if (rtp && (rtp[0] >> 6) == 2 && ((rtp[1] & 0x7f) < 64 || (rtp[1] & 0x7f) > 95)) {
			is_rtp = true;
			pt_idx = find_u8(c->pt, c->num_pt, rtp[1] & 0x7f);
			ssrc = ((u32)rtp[8] << 24) | ((u32)rtp[9] << 16) | ((u32)rtp[10] << 8) | rtp[11];
		}
		/* what is not RTP cannot be (de|en)crypted as SRTP: userspace's */
		if (!is_rtp && (srtp || (c->flags & (RTPE_KF_RTP_ONLY | RTPE_KF_PT_FILTER | RTPE_KF_SSRC_CHECK))))
			goto userspace;
		if (is_rtp && (c->flags & RTPE_KF_PT_FILTER) && pt_idx < 0)
			goto userspace;
		if (is_rtp && (c->flags & RTPE_KF_SSRC_CHECK)) {
			unsigned int i;

			for (i = 0; i < c->num_ssrc; i++)
				if (c->ssrc[i] == ssrc)
					break;
			if (i == c->num_ssrc)
				goto userspace;
		}
	}

	if (srtp) {
		/* a packet that fails authentication (or has no SSRC slot for its ROC) goes to
		 * userspace, which has the same keys and may know more (a re-key under way); a
		 * replayed one is dropped here, as userspace's replay list has not seen what the
		 * kernel accepted, and counted as an error */
		err = forward_srtp(xt_net(par), g, cfg, skb, l4off + sizeof(*uh), plen);
		if (err > 0)
			goto userspace;
	} else {
		err = forward_payload(xt_net(par), c, skb, l4off + sizeof(*uh), plen);
	}
	if (err) {
		atomic64_inc(&g->errors);
	} else {
		atomic64_inc(&g->packets);
		atomic64_add(plen, &g->bytes);
		atomic64_set(&g->last_us, ktime_to_us(ktime_get_real()));
		if (pt_idx >= 0)
			atomic64_inc(&g->pt_packets[pt_idx]);
		if (is_rtp)
			count_ssrc(g, c->flags & RTPE_KF_SSRC_CHECK, ssrc, plen);
	}
	rcu_read_unlock();
	return NF_DROP;

userspace:
	atomic64_inc(&g->userspace);
pass:
	rcu_read_unlock();
	return XT_CONTINUE;
}

static unsigned int rtpe_tg4(struct sk_buff *skb, const struct xt_action_param *par)
{
	return rtpe_tg(skb, par, false);
}

static unsigned int rtpe_tg6(struct sk_buff *skb, const struct xt_action_param *par)
{
	return rtpe_tg(skb, par, true);
}

static int rtpe_tg_check(const struct xt_tgchk_param *par)
{
	const struct xt_rtpengine_info *info = par->targinfo;

	if (info->id >= max_tables) {
		pr_info_ratelimited("xt_RTPENGINE: table id %u out of range (0..%u)\n", info->id,
				max_tables - 1);
		return -EINVAL;
	}
	return 0;
}

static struct xt_target rtpe_tg_reg[] __read_mostly = {
	{
		.name = "RTPENGINE",
		.revision = 0,
		.family = NFPROTO_IPV4,
		.table = "filter",
		.hooks = 1 << NF_INET_LOCAL_IN,
		.target = rtpe_tg4,
		.targetsize = sizeof(struct xt_rtpengine_info),
		.checkentry = rtpe_tg_check,
		.me = THIS_MODULE,
	},
	{
		.name = "RTPENGINE",
		.revision = 0,
		.family = NFPROTO_IPV6,
		.table = "filter",
		.hooks = 1 << NF_INET_LOCAL_IN,
		.target = rtpe_tg6,
		.targetsize = sizeof(struct xt_rtpengine_info),
		.checkentry = rtpe_tg_check,
		.me = THIS_MODULE,
	},
};

/* ---- control messages ---- */

/* The suites of this slice: AES-CM-128/192/256 and NULL, each with HMAC-SHA1 (tags of 4 or
 * 10 bytes; RFC 4568's _32 suites use 4 for SRTP and 10 for SRTCP), or NULL/NULL (plain).
 * Malformed parameters are -EINVAL; F8, GCM and unauthenticated SRTP are -EOPNOTSUPP. */
static int check_crypto(const struct rtpe_kcrypto *k)
{
	unsigned int key_len;

	if (k->cipher > RTPE_KCIPHER_AEAD_AES_GCM_256 || k->hmac > RTPE_KHMAC_SHA1)
		return -EINVAL;
	if (k->master_key_len > sizeof(k->master_key) || k->master_salt_len > sizeof(k->master_salt)
			|| k->mki_len > sizeof(k->mki) || k->reserved)
		return -EINVAL;
	if (k->cipher == RTPE_KCIPHER_NULL && k->hmac == RTPE_KHMAC_NULL) {
		/* plain: nothing else may be set */
		if (k->master_key_len || k->master_salt_len || k->rtp_auth_tag_len || k->rtcp_auth_tag_len
				|| k->mki_len)
			return -EINVAL;
		return 0;
	}
	switch (k->cipher) {
	case RTPE_KCIPHER_NULL:       /* NULL_HMAC_SHA1_*: keys derived with AES-128 */
	case RTPE_KCIPHER_AES_CM_128:
		key_len = 16;
		break;
	case RTPE_KCIPHER_AES_CM_192:
		key_len = 24;
		break;
	case RTPE_KCIPHER_AES_CM_256:
		key_len = 32;
		break;
	default:
		return -EOPNOTSUPP; /* AES-F8 and AEAD AES-GCM stay in userspace */
	}
	if (k->hmac != RTPE_KHMAC_SHA1)
		return -EOPNOTSUPP; /* unauthenticated SRTP stays in userspace */
	if (k->master_key_len != key_len || k->master_salt_len != 14)
		return -EINVAL;
	if ((k->rtp_auth_tag_len != 4 && k->rtp_auth_tag_len != 10)
			|| (k->rtcp_auth_tag_len != 4 && k->rtcp_auth_tag_len != 10))
		return -EINVAL;
	return 0;
}

/* The RFC 3711 4.3.1 PRF with r = 0 (key derivation rate 0): AES-CM keyed with the master
 * key over IV = (master salt ^ label << 48) * 2^16. tfm is keyed with the master key.
 * Process context. */
static int srtp_prf(struct crypto_sync_skcipher *tfm, const u8 *master_salt, u8 label, u8 *out, unsigned int len)
{
	u8 *buf;
	u8 iv[16];
	int err;

	buf = kzalloc(32, GFP_KERNEL); /* not on the stack: it goes into a scatterlist */
	if (!buf)
		return -ENOMEM;
	memcpy(iv, master_salt, 14);
	iv[7] ^= label;
	iv[14] = iv[15] = 0;
	err = srtp_aes_cm(tfm, iv, 0, 0, buf, len);
	if (!err)
		memcpy(out, buf, len);
	kfree_sensitive(buf);
	memzero_explicit(iv, sizeof(iv));
	return err;
}

/* Derives one direction's session keys for RTP (labels 0, 1, 2) or RTCP (3, 4, 5) and
 * keys the tfms the packet path uses. The parameters passed check_crypto. Process context. */
static int srtp_setup(struct rtpe_srtp *s, const struct rtpe_kcrypto *k, bool rtcp)
{
	u8 label = rtcp ? 3 : 0;
	u8 enc_key[32], auth_key[20];
	struct crypto_sync_skcipher *tfm;
	int err;

	memset(s, 0, sizeof(*s));
	if (k->cipher == RTPE_KCIPHER_NULL && k->hmac == RTPE_KHMAC_NULL)
		return 0;
	s->active = true;
	s->cipher = k->cipher;
	s->tag_len = rtcp ? k->rtcp_auth_tag_len : k->rtp_auth_tag_len;
	s->mki_len = k->mki_len;
	memcpy(s->mki, k->mki, k->mki_len);

	tfm = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = crypto_sync_skcipher_setkey(tfm, k->master_key, k->master_key_len);
	if (!err)
		err = srtp_prf(tfm, k->master_salt, label + 1, auth_key, sizeof(auth_key));
	if (!err && k->cipher != RTPE_KCIPHER_NULL) {
		err = srtp_prf(tfm, k->master_salt, label, enc_key, k->master_key_len);
		if (!err)
			err = srtp_prf(tfm, k->master_salt, label + 2, s->salt, sizeof(s->salt));
		if (!err)
			err = crypto_sync_skcipher_setkey(tfm, enc_key, k->master_key_len);
		if (!err) {
			s->ctr = tfm;
			tfm = NULL;
		}
	}
	if (tfm)
		crypto_free_sync_skcipher(tfm);
	if (!err) {
		s->hmac = crypto_alloc_shash("hmac(sha1)", 0, 0);
		if (IS_ERR(s->hmac)) {
			err = PTR_ERR(s->hmac);
			s->hmac = NULL;
		}
	}
	if (!err)
		err = crypto_shash_setkey(s->hmac, auth_key, sizeof(auth_key));
	memzero_explicit(enc_key, sizeof(enc_key));
	memzero_explicit(auth_key, sizeof(auth_key));
	if (err)
		srtp_free(s);
	return err;
}

/* Whether two directions' parameters name the same session (the running ROCs and SRTCP
 * indices are kept across an update that does not change it). */
static bool crypto_same_keys(const struct rtpe_kcrypto *a, const struct rtpe_kcrypto *b)
{
	return !memcmp(a, b, offsetof(struct rtpe_kcrypto, roc));
}

/* A decrypt side's SRTCP state from a message: a highest index authenticated (0: none yet),
 * itself counted as seen. */
static void srtcp_rx_from_msg(struct rtpe_rtcp_rx *r, u64 last)
{
	*r = (struct rtpe_rtcp_rx){ .highest = (u32)last & 0x7fffffffu, .seen = last != 0 };
	if (r->seen)
		r->replay.bits[0] = 1;
}

/* Takes a direction's SRTP state from the message. ssrc_lock held. */
static void srtp_state_from_msg(struct rtpe_target *g, const struct rtpe_ktarget *c, bool dec, bool enc)
{
	unsigned int i;

	for (i = 0; i < RTPE_KABI_NUM_SSRC; i++) {
		if (dec) {
			g->dec_roc[i] = (struct rtpe_roc){ .roc = c->decrypt.roc[i] };
			srtcp_rx_from_msg(&g->dec_srtcp[i], c->decrypt.last_rtcp_index[i]);
		}
		if (enc)
			g->enc_roc[i] = (struct rtpe_roc){ .roc = c->encrypt.roc[i] };
	}
	if (enc)
		g->enc_srtcp_next = (u32)c->encrypt.last_rtcp_index[0] & 0x7fffffffu;
}

static int check_target(const struct rtpe_ktarget *c)
{
	unsigned int i;
	int err;

	if (!kaddr_valid(&c->local, true) || !kaddr_valid(&c->src, true) || !kaddr_valid(&c->dst, true))
		return -EINVAL;
	if (c->src.family != c->dst.family)
		return -EINVAL;
	if (c->expected_src.family && !kaddr_valid(&c->expected_src, false))
		return -EINVAL;
	if (kaddr_equal(&c->local, &c->dst))
		return -ELOOP;
	if (c->flags & ~RTPE_KF_ALL)
		return -EINVAL;
	if (c->num_pt > RTPE_KABI_MAX_PT || c->num_ssrc > RTPE_KABI_NUM_SSRC)
		return -EINVAL;
	for (i = 0; i < c->num_pt; i++)
		if (c->pt[i] > 127)
			return -EINVAL;
	if ((c->flags & RTPE_KF_SSRC_CHECK) && !c->num_ssrc)
		return -EINVAL;
	if (c->reserved0 || c->reserved1)
		return -EINVAL;
	err = check_crypto(&c->decrypt);
	if (!err)
		err = check_crypto(&c->encrypt);
	return err;
}

/* With the SSRC check on, the counting slots are the configured SSRCs. tables_lock held. */
static void set_fixed_ssrcs(struct rtpe_target *g, const struct rtpe_ktarget *c)
{
	unsigned int i;

	if (!(c->flags & RTPE_KF_SSRC_CHECK))
		return;
	spin_lock_bh(&g->ssrc_lock);
	for (i = 0; i < RTPE_KABI_NUM_SSRC; i++) {
		bool want = i < c->num_ssrc;

		if (want && g->ssrc_used[i] && g->ssrc_id[i] == c->ssrc[i])
			continue;
		g->ssrc_used[i] = want;
		g->ssrc_id[i] = want ? c->ssrc[i] : 0;
		g->ssrc_packets[i] = 0;
		g->ssrc_bytes[i] = 0;
		/* another SSRC in this slot: its SRTP state is the message's */
		g->dec_roc[i] = (struct rtpe_roc){ .roc = c->decrypt.roc[i] };
		g->enc_roc[i] = (struct rtpe_roc){ .roc = c->encrypt.roc[i] };
		srtcp_rx_from_msg(&g->dec_srtcp[i], c->decrypt.last_rtcp_index[i]);
	}
	spin_unlock_bh(&g->ssrc_lock);
}

/* A config for c with its SRTP sessions set up; NULL with *err set on failure. */
static struct rtpe_cfg *cfg_new(const struct rtpe_ktarget *c, int *err)
{
	struct rtpe_cfg *cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	bool rtcp = c->flags & RTPE_KF_RTCP;

	if (!cfg) {
		*err = -ENOMEM;
		return NULL;
	}
	cfg->t = *c;
	*err = srtp_setup(&cfg->dec, &c->decrypt, rtcp);
	if (!*err)
		*err = srtp_setup(&cfg->enc, &c->encrypt, rtcp);
	if (*err) {
		cfg_free(cfg);
		return NULL;
	}
	return cfg;
}

static void fill_record(struct rtpe_kstats_record *r, struct rtpe_target *g);

/* One control message. A deleted target's last record goes to *last (when given), so the
 * daemon gets the counts and SRTP state the target reached (read back from the control
 * file). tables_lock held. */
static int table_msg(struct rtpe_table *t, const struct rtpe_kmsg *m, struct rtpe_kstats_record *last)
{
	const struct rtpe_ktarget *c = &m->target;
	struct rtpe_target *g, *ng;
	struct rtpe_cfg *cfg, *old;
	unsigned int i;
	int err;

	switch (m->cmd) {
	case RTPE_KCMD_DEL_TARGET:
		if (!kaddr_valid(&c->local, true))
			return -EINVAL;
		g = target_find(t, &c->local);
		if (!g)
			return -ENOENT;
		if (last)
			fill_record(last, g);
		hlist_del_rcu(&g->node);
		t->num_targets--;
		INIT_RCU_WORK(&g->free_work, target_free_work);
		queue_rcu_work(free_wq, &g->free_work);
		return 0;

	case RTPE_KCMD_ADD_TARGET:
	case RTPE_KCMD_UPDATE_TARGET:
		err = check_target(c);
		if (err)
			return err;
		g = target_find(t, &c->local);
		if (m->cmd == RTPE_KCMD_UPDATE_TARGET && !g)
			return -ENOENT;
		if (m->cmd == RTPE_KCMD_ADD_TARGET && g)
			return -EEXIST;
		cfg = cfg_new(c, &err);
		if (!cfg)
			return err;
		if (m->cmd == RTPE_KCMD_UPDATE_TARGET) {
			old = cfg_deref(g);
			if (!(c->flags & RTPE_KF_SSRC_CHECK) && (old->t.flags & RTPE_KF_SSRC_CHECK)) {
				/* from fixed SSRC slots back to learning them */
				spin_lock_bh(&g->ssrc_lock);
				for (i = 0; i < RTPE_KABI_NUM_SSRC; i++)
					if (!g->ssrc_packets[i])
						g->ssrc_used[i] = false;
				spin_unlock_bh(&g->ssrc_lock);
			}
			set_fixed_ssrcs(g, c);
			/* new keys (or a new suite) start from the message's ROCs and SRTCP
			 * indices; the same keys keep counting where the kernel is */
			spin_lock_bh(&g->ssrc_lock);
			srtp_state_from_msg(g, c, !crypto_same_keys(&old->t.decrypt, &c->decrypt),
					!crypto_same_keys(&old->t.encrypt, &c->encrypt));
			spin_unlock_bh(&g->ssrc_lock);
			old = rcu_replace_pointer(g->cfg, cfg, lockdep_is_held(&tables_lock));
			cfg_free_rcu(old);
			return 0;
		}
		ng = kzalloc(sizeof(*ng), GFP_KERNEL);
		if (!ng) {
			cfg_free(cfg);
			return -ENOMEM;
		}
		spin_lock_init(&ng->ssrc_lock);
		ng->local = c->local;
		RCU_INIT_POINTER(ng->cfg, cfg);
		set_fixed_ssrcs(ng, c);
		srtp_state_from_msg(ng, c, true, true);
		hlist_add_head_rcu(&ng->node, &t->hash[kaddr_hash(&ng->local)]);
		t->num_targets++;
		return 0;

	default:
		return -EINVAL;
	}
}

/* ---- /proc/rtpengine/N/control ---- */

static unsigned int pde_id(const struct file *f)
{
	return (unsigned int)(unsigned long)pde_data(file_inode(f));
}

/* Per open control file: the record of the target the last DEL_TARGET through it removed,
 * returned once by the next read(2) of exactly one record. */
struct rtpe_control_file {
	struct rtpe_kstats_record last;
	bool have_last;
};

static int table_control_open(struct inode *inode, struct file *f)
{
	unsigned int id = pde_id(f);
	struct rtpe_table *t;
	struct rtpe_control_file *cf;
	int err = 0;

	cf = kzalloc(sizeof(*cf), GFP_KERNEL);
	if (!cf)
		return -ENOMEM;
	mutex_lock(&tables_lock);
	t = id < max_tables ? table_deref(id) : NULL;
	if (!t || t->dying)
		err = -ENOENT;
	else if (t->owner)
		err = -EBUSY;
	else
		t->owner = task_tgid_nr(current);
	mutex_unlock(&tables_lock);
	if (err) {
		kfree(cf);
		return err;
	}
	f->private_data = cf;
	return stream_open(inode, f);
}

static int table_control_release(struct inode *inode, struct file *f)
{
	unsigned int id = pde_id(f);
	struct rtpe_table *t;

	mutex_lock(&tables_lock);
	t = id < max_tables ? table_deref(id) : NULL;
	if (t)
		t->owner = 0;
	mutex_unlock(&tables_lock);
	kfree(f->private_data);
	return 0;
}

static ssize_t table_control_read(struct file *f, char __user *ubuf, size_t len, loff_t *off)
{
	struct rtpe_control_file *cf = f->private_data;
	bool have;

	if (len < sizeof(cf->last))
		return -EINVAL;
	mutex_lock(&tables_lock);
	have = cf->have_last;
	cf->have_last = false;
	mutex_unlock(&tables_lock);
	if (!have)
		return 0;
	if (copy_to_user(ubuf, &cf->last, sizeof(cf->last)))
		return -EFAULT;
	return sizeof(cf->last);
}

static ssize_t table_control_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	struct rtpe_control_file *cf = f->private_data;
	unsigned int id = pde_id(f);
	struct rtpe_kmsg *m;
	struct rtpe_table *t;
	int err;

	if (len != sizeof(*m))
		return -EINVAL;
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	if (copy_from_user(m, ubuf, sizeof(*m))) {
		err = -EFAULT;
		goto out;
	}
	err = -EINVAL;
	if (m->magic != RTPE_KABI_MAGIC || m->version != RTPE_KABI_VERSION || m->size != sizeof(*m)
			|| m->reserved)
		goto out;

	mutex_lock(&tables_lock);
	t = id < max_tables ? table_deref(id) : NULL;
	cf->have_last = false;
	err = t ? table_msg(t, m, &cf->last) : -ENOENT;
	cf->have_last = !err && m->cmd == RTPE_KCMD_DEL_TARGET;
	mutex_unlock(&tables_lock);
out:
	kfree_sensitive(m); /* it may carry SRTP master keys */
	return err ? err : (ssize_t)len;
}

static const struct proc_ops table_control_ops = {
	.proc_open = table_control_open,
	.proc_release = table_control_release,
	.proc_read = table_control_read,
	.proc_write = table_control_write,
};

/* ---- /proc/rtpengine/N/status ---- */

static int table_status_show(struct seq_file *s, void *v)
{
	unsigned int id = (unsigned int)(unsigned long)s->private;
	struct rtpe_table *t;
	int err = 0;

	mutex_lock(&tables_lock);
	t = id < max_tables ? table_deref(id) : NULL;
	if (!t) {
		err = -ENOENT;
	} else {
		/* the table itself, and its control file if a process has it open */
		seq_printf(s, "Refcount:    %u\n", t->owner ? 2 : 1);
		seq_printf(s, "Control PID: %u\n", (unsigned int)t->owner);
		seq_printf(s, "Targets:     %u\n", t->num_targets);
	}
	mutex_unlock(&tables_lock);
	return err;
}

static int table_status_open(struct inode *inode, struct file *f)
{
	return single_open(f, table_status_show, pde_data(inode));
}

static const struct proc_ops table_status_ops = {
	.proc_open = table_status_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

/* ---- /proc/rtpengine/N/list ---- */

static void seq_kaddr(struct seq_file *s, const struct rtpe_kaddr *a)
{
	if (a->family == RTPE_KAF_INET)
		seq_printf(s, "inet4 %pI4:%u", a->addr, a->port);
	else if (a->family == RTPE_KAF_INET6)
		seq_printf(s, "inet6 [%pI6c]:%u", a->addr, a->port);
	else
		seq_puts(s, "none");
}

static const char *const cipher_names[] = {
	[RTPE_KCIPHER_NULL] = "NULL",
	[RTPE_KCIPHER_AES_CM_128] = "AES-CM-128",
	[RTPE_KCIPHER_AES_CM_192] = "AES-CM-192",
	[RTPE_KCIPHER_AES_CM_256] = "AES-CM-256",
};

/* "    SRTP decrypt: AES-CM-128 HMAC-SHA1 tags 10/10 MKI 0 bytes, ROC 1 0 0 0" (never keys) */
static void list_srtp(struct seq_file *s, struct rtpe_target *g, bool enc)
{
	const struct rtpe_kcrypto *k = enc ? &cfg_deref(g)->t.encrypt : &cfg_deref(g)->t.decrypt;
	const struct rtpe_roc *roc = enc ? g->enc_roc : g->dec_roc;
	u32 rocs[RTPE_KABI_NUM_SSRC];
	unsigned int i;

	if (k->cipher == RTPE_KCIPHER_NULL && k->hmac == RTPE_KHMAC_NULL)
		return;
	spin_lock_bh(&g->ssrc_lock);
	for (i = 0; i < RTPE_KABI_NUM_SSRC; i++)
		rocs[i] = roc[i].roc;
	spin_unlock_bh(&g->ssrc_lock);
	seq_printf(s, "    SRTP %s: %s HMAC-SHA1 tags %u/%u MKI %u bytes, ROC", enc ? "encrypt" : "decrypt",
			k->cipher < ARRAY_SIZE(cipher_names) ? cipher_names[k->cipher] : "?", k->rtp_auth_tag_len,
			k->rtcp_auth_tag_len, k->mki_len);
	for (i = 0; i < RTPE_KABI_NUM_SSRC; i++)
		seq_printf(s, " %u", rocs[i]);
	seq_puts(s, "\n");
}

static void list_target(struct seq_file *s, struct rtpe_target *g)
{
	const struct rtpe_ktarget *c = &cfg_deref(g)->t;
	u64 last = atomic64_read(&g->last_us);
	unsigned int i;

	seq_puts(s, "local ");
	seq_kaddr(s, &g->local);
	seq_puts(s, "\n");
	if (c->expected_src.family) {
		seq_puts(s, "    expect ");
		seq_kaddr(s, &c->expected_src);
		seq_puts(s, "\n");
	}
	seq_printf(s, "    stats: %llu bytes, %llu packets, %llu errors, %llu to userspace\n",
			(unsigned long long)atomic64_read(&g->bytes),
			(unsigned long long)atomic64_read(&g->packets),
			(unsigned long long)atomic64_read(&g->errors),
			(unsigned long long)atomic64_read(&g->userspace));
	seq_printf(s, "    last packet: %llu.%06llu\n", (unsigned long long)(last / 1000000),
			(unsigned long long)(last % 1000000));
	for (i = 0; i < c->num_pt; i++)
		seq_printf(s, "    payload type %u: %llu packets\n", c->pt[i],
				(unsigned long long)atomic64_read(&g->pt_packets[i]));
	spin_lock_bh(&g->ssrc_lock);
	for (i = 0; i < RTPE_KABI_NUM_SSRC; i++)
		if (g->ssrc_used[i])
			seq_printf(s, "    SSRC %08x: %llu packets, %llu bytes\n", g->ssrc_id[i],
					(unsigned long long)g->ssrc_packets[i],
					(unsigned long long)g->ssrc_bytes[i]);
	spin_unlock_bh(&g->ssrc_lock);
	seq_puts(s, "    options:");
	if (c->flags & RTPE_KF_RTCP)
		seq_puts(s, " RTCP");
	if (c->flags & RTPE_KF_PT_FILTER)
		seq_puts(s, " PT-filter");
	if (c->flags & RTPE_KF_SSRC_CHECK)
		seq_puts(s, " SSRC-check");
	if (c->flags & RTPE_KF_RTP_ONLY)
		seq_puts(s, " RTP-only");
	seq_printf(s, " tos=%u slot=%u\n", c->tos, c->stats_slot);
	list_srtp(s, g, false);
	list_srtp(s, g, true);
	seq_puts(s, "    output src ");
	seq_kaddr(s, &c->src);
	seq_puts(s, " dst ");
	seq_kaddr(s, &c->dst);
	seq_puts(s, "\n");
}

static int table_list_show(struct seq_file *s, void *v)
{
	unsigned int id = (unsigned int)(unsigned long)s->private;
	struct rtpe_table *t;
	struct rtpe_target *g;
	unsigned int b;
	int err = 0;

	mutex_lock(&tables_lock);
	t = id < max_tables ? table_deref(id) : NULL;
	if (!t) {
		err = -ENOENT;
		goto out;
	}
	for (b = 0; b < RTPE_HASH_SIZE; b++)
		hlist_for_each_entry(g, &t->hash[b], node)
			list_target(s, g);
out:
	mutex_unlock(&tables_lock);
	return err;
}

static int table_list_open(struct inode *inode, struct file *f)
{
	return single_open(f, table_list_show, pde_data(inode));
}

static const struct proc_ops table_list_ops = {
	.proc_open = table_list_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

/* ---- /proc/rtpengine/N/blist ---- */

static void fill_record(struct rtpe_kstats_record *r, struct rtpe_target *g)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->magic = RTPE_KABI_MAGIC;
	r->version = RTPE_KABI_VERSION;
	r->size = sizeof(*r);
	r->target = cfg_deref(g)->t;
	/* the keys and salts never leave the kernel (the file is world-readable) */
	memzero_explicit(r->target.decrypt.master_key, sizeof(r->target.decrypt.master_key));
	memzero_explicit(r->target.decrypt.master_salt, sizeof(r->target.decrypt.master_salt));
	memzero_explicit(r->target.encrypt.master_key, sizeof(r->target.encrypt.master_key));
	memzero_explicit(r->target.encrypt.master_salt, sizeof(r->target.encrypt.master_salt));
	r->packets = atomic64_read(&g->packets);
	r->bytes = atomic64_read(&g->bytes);
	r->errors = atomic64_read(&g->errors);
	r->userspace = atomic64_read(&g->userspace);
	r->last_packet_us = atomic64_read(&g->last_us);
	for (i = 0; i < RTPE_KABI_MAX_PT; i++)
		r->pt_packets[i] = atomic64_read(&g->pt_packets[i]);
	spin_lock_bh(&g->ssrc_lock);
	for (i = 0; i < RTPE_KABI_NUM_SSRC; i++) {
		if (!g->ssrc_used[i])
			continue;
		r->ssrc_stats[i].ssrc = g->ssrc_id[i];
		r->ssrc_stats[i].packets = g->ssrc_packets[i];
		r->ssrc_stats[i].bytes = g->ssrc_bytes[i];
		if (g->dec_roc[i].seen)
			r->ssrc_stats[i].srtp_seq = RTPE_KSEQ_SEEN | g->dec_roc[i].seq;
		else if (g->enc_roc[i].seen)
			r->ssrc_stats[i].srtp_seq = RTPE_KSEQ_SEEN | g->enc_roc[i].seq;
	}
	/* where the kernel's SRTP is now, so userspace can take over */
	for (i = 0; i < RTPE_KABI_NUM_SSRC; i++) {
		r->target.decrypt.roc[i] = g->dec_roc[i].roc;
		r->target.decrypt.last_rtcp_index[i] = g->dec_srtcp[i].highest;
		r->target.encrypt.roc[i] = g->enc_roc[i].roc;
		r->target.encrypt.last_rtcp_index[i] = 0;
	}
	r->target.encrypt.last_rtcp_index[0] = g->enc_srtcp_next;
	spin_unlock_bh(&g->ssrc_lock);
}

static ssize_t table_blist_read(struct file *f, char __user *ubuf, size_t len, loff_t *ppos)
{
	const size_t rsz = sizeof(struct rtpe_kstats_record);
	unsigned int id = pde_id(f);
	struct rtpe_kstats_record *r;
	struct rtpe_table *t;
	struct rtpe_target *g;
	loff_t skip = *ppos, idx = 0;
	size_t done = 0;
	unsigned int b;
	ssize_t ret = 0;

	if (len < rsz || *ppos < 0)
		return -EINVAL;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;

	mutex_lock(&tables_lock);
	t = id < max_tables ? table_deref(id) : NULL;
	if (!t) {
		ret = -ENOENT;
		goto out;
	}
	for (b = 0; b < RTPE_HASH_SIZE && len - done >= rsz; b++) {
		hlist_for_each_entry(g, &t->hash[b], node) {
			if (idx++ < skip)
				continue;
			if (len - done < rsz)
				break;
			fill_record(r, g);
			if (copy_to_user(ubuf + done, r, rsz)) {
				ret = -EFAULT;
				goto out;
			}
			done += rsz;
		}
	}
	*ppos += done / rsz;
	ret = done;
out:
	mutex_unlock(&tables_lock);
	kfree(r);
	return ret;
}

static const struct proc_ops table_blist_ops = {
	.proc_read = table_blist_read,
	.proc_lseek = default_llseek,
};

/* ---- tables ---- */

static struct proc_dir_entry *proc_dir_owned(const char *name, umode_t mode, struct proc_dir_entry *parent)
{
	struct proc_dir_entry *e = proc_mkdir_mode(name, mode, parent);

	if (e)
		proc_set_user(e, proc_kuid, proc_kgid);
	return e;
}

static struct proc_dir_entry *proc_file_owned(const char *name, umode_t mode, struct proc_dir_entry *parent,
		const struct proc_ops *ops, void *data)
{
	struct proc_dir_entry *e = proc_create_data(name, mode, parent, ops, data);

	if (e)
		proc_set_user(e, proc_kuid, proc_kgid);
	return e;
}

static void table_free(struct rtpe_table *t)
{
	struct rtpe_target *g;
	struct hlist_node *tmp;
	unsigned int b;

	/* no reader left: the table is unlinked and an RCU grace period has passed */
	for (b = 0; b < RTPE_HASH_SIZE; b++) {
		hlist_for_each_entry_safe(g, tmp, &t->hash[b], node) {
			hlist_del(&g->node);
			cfg_free(rcu_dereference_raw(g->cfg));
			kfree(g);
		}
	}
	kfree(t);
}

/* ctl_lock held */
static int table_add(unsigned int id)
{
	struct rtpe_table *t;
	void *data = (void *)(unsigned long)id;
	char name[12];
	bool taken;

	mutex_lock(&tables_lock);
	taken = table_deref(id) != NULL;
	mutex_unlock(&tables_lock);
	if (taken)
		return -EEXIST;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->id = id;
	snprintf(name, sizeof(name), "%u", id);
	t->dir = proc_dir_owned(name, (0555 & ~proc_mask) & 0777, proc_root);
	if (!t->dir
			|| !proc_file_owned("control", S_IFREG | 0660, t->dir, &table_control_ops, data)
			|| !proc_file_owned("list", S_IFREG | 0444, t->dir, &table_list_ops, data)
			|| !proc_file_owned("blist", S_IFREG | 0444, t->dir, &table_blist_ops, data)
			|| !proc_file_owned("status", S_IFREG | 0444, t->dir, &table_status_ops, data)) {
		proc_remove(t->dir);
		kfree(t);
		return -ENOMEM;
	}

	mutex_lock(&tables_lock);
	rcu_assign_pointer(tables[id], t);
	mutex_unlock(&tables_lock);
	return 0;
}

/* ctl_lock held. force: at module unload, even if a process has N/control open. */
static int table_del(unsigned int id, bool force)
{
	struct rtpe_table *t;

	mutex_lock(&tables_lock);
	t = table_deref(id);
	if (!t) {
		mutex_unlock(&tables_lock);
		return -ENOENT;
	}
	if (t->owner && !force) {
		mutex_unlock(&tables_lock);
		return -EBUSY;
	}
	t->dying = true;
	mutex_unlock(&tables_lock);

	/* Removing the files waits for calls under way and closes what is still open
	 * (the release handlers find the table still linked), so do it before unlinking. */
	proc_remove(t->dir);

	mutex_lock(&tables_lock);
	RCU_INIT_POINTER(tables[id], NULL);
	mutex_unlock(&tables_lock);

	synchronize_rcu();
	table_free(t);
	return 0;
}

/* ---- /proc/rtpengine/control and /proc/rtpengine/list ---- */

static ssize_t main_control_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char buf[32];
	unsigned int id;
	int err;

	if (len < 5 || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (strncmp(buf, "add ", 4) && strncmp(buf, "del ", 4))
		return -EINVAL;
	err = kstrtouint(buf + 4, 10, &id);
	if (err)
		return -EINVAL;
	if (id >= max_tables)
		return -EINVAL;

	mutex_lock(&ctl_lock);
	if (buf[0] == 'a')
		err = table_add(id);
	else
		err = table_del(id, false);
	mutex_unlock(&ctl_lock);
	return err ? err : (ssize_t)len;
}

static int main_control_open(struct inode *inode, struct file *f)
{
	return stream_open(inode, f);
}

static const struct proc_ops main_control_ops = {
	.proc_open = main_control_open,
	.proc_write = main_control_write,
};

static int main_list_show(struct seq_file *s, void *v)
{
	unsigned int id;

	mutex_lock(&tables_lock);
	for (id = 0; id < max_tables; id++)
		if (table_deref(id))
			seq_printf(s, "%u\n", id);
	mutex_unlock(&tables_lock);
	return 0;
}

static int main_list_open(struct inode *inode, struct file *f)
{
	return single_open(f, main_list_show, NULL);
}

static const struct proc_ops main_list_ops = {
	.proc_open = main_list_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

/* ---- module ---- */

static int __init rtpe_init(void)
{
	int err;

	if (!max_tables || max_tables > RTPE_MAX_TABLES_LIMIT) {
		pr_err("xt_RTPENGINE: max_tables must be 1..%u\n", RTPE_MAX_TABLES_LIMIT);
		return -EINVAL;
	}
	proc_kuid = make_kuid(&init_user_ns, proc_uid);
	proc_kgid = make_kgid(&init_user_ns, proc_gid);
	if (!uid_valid(proc_kuid) || !gid_valid(proc_kgid))
		return -EINVAL;

	tables = kcalloc(max_tables, sizeof(*tables), GFP_KERNEL);
	if (!tables)
		return -ENOMEM;
	free_wq = alloc_workqueue("xt_rtpengine_free", 0, 0);
	if (!free_wq) {
		kfree(tables);
		return -ENOMEM;
	}

	err = -ENOMEM;
	proc_root = proc_dir_owned("rtpengine", 0555, NULL);
	if (!proc_root)
		goto fail;
	if (!proc_file_owned("control", S_IFREG | 0220, proc_root, &main_control_ops, NULL)
			|| !proc_file_owned("list", S_IFREG | 0444, proc_root, &main_list_ops, NULL))
		goto fail;

	err = xt_register_targets(rtpe_tg_reg, ARRAY_SIZE(rtpe_tg_reg));
	if (err)
		goto fail;
	pr_info("xt_RTPENGINE: loaded, ABI version %u, %u tables\n", RTPE_KABI_VERSION, max_tables);
	return 0;

fail:
	proc_remove(proc_root);
	destroy_workqueue(free_wq);
	kfree(tables);
	return err;
}

static void __exit rtpe_exit(void)
{
	unsigned int id;

	xt_unregister_targets(rtpe_tg_reg, ARRAY_SIZE(rtpe_tg_reg));
	mutex_lock(&ctl_lock);
	for (id = 0; id < max_tables; id++)
		table_del(id, true);
	mutex_unlock(&ctl_lock);
	proc_remove(proc_root);
	rcu_barrier(); /* targets and configs deleted earlier wait for a grace period... */
	destroy_workqueue(free_wq); /* ...then for free_wq, which this drains */
	kfree(tables);
	pr_info("xt_RTPENGINE: unloaded\n");
}

module_init(rtpe_init);
module_exit(rtpe_exit);
