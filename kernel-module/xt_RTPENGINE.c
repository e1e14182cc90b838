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

struct rtpe_cfg {
	struct rtpe_ktarget t;
	struct rcu_head rcu;
};

struct rtpe_target {
	struct hlist_node node; /* in rtpe_table.hash, RCU */
	struct rcu_head rcu;
	struct rtpe_kaddr local;
	struct rtpe_cfg __rcu *cfg;

	atomic64_t packets;
	atomic64_t bytes;
	atomic64_t errors;
	atomic64_t userspace;
	atomic64_t last_us;
	atomic64_t pt_packets[RTPE_KABI_MAX_PT];

	spinlock_t ssrc_lock; /* protects the ssrc_* arrays; taken in softirq */
	bool ssrc_used[RTPE_KABI_NUM_SSRC];
	u32 ssrc_id[RTPE_KABI_NUM_SSRC];
	u64 ssrc_packets[RTPE_KABI_NUM_SSRC];
	u64 ssrc_bytes[RTPE_KABI_NUM_SSRC];
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

static void target_free_rcu(struct rcu_head *head)
{
	struct rtpe_target *g = container_of(head, struct rtpe_target, rcu);

	kfree(rcu_dereference_raw(g->cfg));
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

/* Builds the outgoing packet from the payload of `in` at `poff` and sends it. */
static int forward_payload(struct net *net, const struct rtpe_ktarget *c, const struct sk_buff *in,
		unsigned int poff, unsigned int plen)
{
	unsigned int hroom = LL_MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr);
	struct sk_buff *skb;
	struct udphdr *uh;

	skb = alloc_skb(hroom + plen, GFP_ATOMIC);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, hroom);
	if (skb_copy_bits(in, poff, skb_put(skb, plen), plen)) {
		kfree_skb(skb);
		return -EFAULT;
	}
	uh = skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	uh->source = htons(c->src.port);
	uh->dest = htons(c->dst.port);
	uh->len = htons(plen + sizeof(*uh));
	uh->check = 0;
	skb->mark = in->mark;

	if (c->dst.family == RTPE_KAF_INET)
		return send_ipv4(net, c, skb);
	return send_ipv6(net, c, skb);
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
	unsigned int i;
	int slot = -1;

	spin_lock(&g->ssrc_lock);
	for (i = 0; i < RTPE_KABI_NUM_SSRC; i++) {
		if (g->ssrc_used[i] && g->ssrc_id[i] == ssrc) {
			slot = i;
			break;
		}
		if (!g->ssrc_used[i] && slot < 0 && !fixed)
			slot = i;
	}
	if (slot >= 0) {
		g->ssrc_used[slot] = true;
		g->ssrc_id[slot] = ssrc;
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
	const struct rtpe_ktarget *c;
	bool is_rtp = false;
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
	c = &rcu_dereference(g->cfg)->t;

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
		if (!is_rtp && (c->flags & (RTPE_KF_RTP_ONLY | RTPE_KF_PT_FILTER | RTPE_KF_SSRC_CHECK)))
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

	err = forward_payload(xt_net(par), c, skb, l4off + sizeof(*uh), plen);
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

static int check_crypto(const struct rtpe_kcrypto *k)
{
	if (k->cipher > RTPE_KCIPHER_AEAD_AES_GCM_256 || k->hmac > RTPE_KHMAC_SHA1)
		return -EINVAL;
	if (k->master_key_len > sizeof(k->master_key) || k->master_salt_len > sizeof(k->master_salt)
			|| k->mki_len > sizeof(k->mki) || k->reserved)
		return -EINVAL;
	if (k->cipher != RTPE_KCIPHER_NULL || k->hmac != RTPE_KHMAC_NULL)
		return -EOPNOTSUPP; /* in-kernel SRTP is not there yet */
	return 0;
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
	}
	spin_unlock_bh(&g->ssrc_lock);
}

static int table_msg(struct rtpe_table *t, const struct rtpe_kmsg *m)
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
		hlist_del_rcu(&g->node);
		t->num_targets--;
		call_rcu(&g->rcu, target_free_rcu);
		return 0;

	case RTPE_KCMD_ADD_TARGET:
	case RTPE_KCMD_UPDATE_TARGET:
		err = check_target(c);
		if (err)
			return err;
		cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
		if (!cfg)
			return -ENOMEM;
		cfg->t = *c;
		g = target_find(t, &c->local);
		if (m->cmd == RTPE_KCMD_UPDATE_TARGET) {
			if (!g) {
				kfree(cfg);
				return -ENOENT;
			}
			if (!(c->flags & RTPE_KF_SSRC_CHECK) && (cfg_deref(g)->t.flags & RTPE_KF_SSRC_CHECK)) {
				/* from fixed SSRC slots back to learning them */
				spin_lock_bh(&g->ssrc_lock);
				for (i = 0; i < RTPE_KABI_NUM_SSRC; i++)
					if (!g->ssrc_packets[i])
						g->ssrc_used[i] = false;
				spin_unlock_bh(&g->ssrc_lock);
			}
			set_fixed_ssrcs(g, c);
			old = rcu_replace_pointer(g->cfg, cfg, lockdep_is_held(&tables_lock));
			kfree_rcu(old, rcu);
			return 0;
		}
		if (g) {
			kfree(cfg);
			return -EEXIST;
		}
		ng = kzalloc(sizeof(*ng), GFP_KERNEL);
		if (!ng) {
			kfree(cfg);
			return -ENOMEM;
		}
		spin_lock_init(&ng->ssrc_lock);
		ng->local = c->local;
		RCU_INIT_POINTER(ng->cfg, cfg);
		set_fixed_ssrcs(ng, c);
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

static int table_control_open(struct inode *inode, struct file *f)
{
	unsigned int id = pde_id(f);
	struct rtpe_table *t;
	int err = 0;

	mutex_lock(&tables_lock);
	t = id < max_tables ? table_deref(id) : NULL;
	if (!t || t->dying)
		err = -ENOENT;
	else if (t->owner)
		err = -EBUSY;
	else
		t->owner = task_tgid_nr(current);
	mutex_unlock(&tables_lock);
	if (err)
		return err;
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
	return 0;
}

static ssize_t table_control_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
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
	err = t ? table_msg(t, m) : -ENOENT;
	mutex_unlock(&tables_lock);
out:
	kfree(m);
	return err ? err : (ssize_t)len;
}

static const struct proc_ops table_control_ops = {
	.proc_open = table_control_open,
	.proc_release = table_control_release,
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
	memset(&r->target.decrypt, 0, sizeof(r->target.decrypt));
	memset(&r->target.encrypt, 0, sizeof(r->target.encrypt));
	r->target.decrypt.cipher = cfg_deref(g)->t.decrypt.cipher;
	r->target.decrypt.hmac = cfg_deref(g)->t.decrypt.hmac;
	r->target.encrypt.cipher = cfg_deref(g)->t.encrypt.cipher;
	r->target.encrypt.hmac = cfg_deref(g)->t.encrypt.hmac;
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
	}
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
			kfree(rcu_dereference_raw(g->cfg));
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
	rcu_barrier(); /* targets deleted earlier wait in call_rcu / kfree_rcu */
	kfree(tables);
	pr_info("xt_RTPENGINE: unloaded\n");
}

module_init(rtpe_init);
module_exit(rtpe_exit);
