/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one definition of what the daemon and xt_RTPENGINE say to each other through
 * /proc/rtpengine/N/control (writes) and /proc/rtpengine/N/blist (reads), and of the
 * iptables target's option block. Plain C with fixed-width fields and explicit padding,
 * so the kernel, C and C++ see the same layout; each struct's size is asserted below.
 *
 * Every control write is exactly one struct rtpe_kmsg. The module refuses (-EINVAL) a
 * write whose length is not sizeof(struct rtpe_kmsg), whose magic, version or size
 * field differs, or whose command is unknown. SRTP/SRTCP with AES-CM-128/192/256 or the
 * NULL cipher, each with HMAC-SHA1, is done in the kernel; AES-F8, AEAD AES-GCM and
 * unauthenticated SRTP are refused with -EOPNOTSUPP, malformed crypto parameters with -EINVAL.
 */
#ifndef RTPENGINE_KERNEL_ABI_H
#define RTPENGINE_KERNEL_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef __u8 rtpe_u8;
typedef __u16 rtpe_u16;
typedef __u32 rtpe_u32;
typedef __u64 rtpe_u64;
#else
#include <stdint.h>
typedef uint8_t rtpe_u8;
typedef uint16_t rtpe_u16;
typedef uint32_t rtpe_u32;
typedef uint64_t rtpe_u64;
#endif

#define RTPE_KABI_MAGIC   0x4b455452u /* "RTEK" little-endian */
#define RTPE_KABI_VERSION 2u

#define RTPE_KABI_MAX_PT    32 /* payload types in a filter */
#define RTPE_KABI_NUM_SSRC  4  /* SSRCs checked and counted per target */
#define RTPE_KABI_DEFAULT_TABLES 64

/* Address families as Linux numbers them (AF_INET, AF_INET6); 0 = not set. */
#define RTPE_KAF_NONE  0
#define RTPE_KAF_INET  2
#define RTPE_KAF_INET6 10

/* An address and a port. addr holds the address in network byte order (IPv4 in the
 * first four bytes, the rest zero); port is in host byte order. */
struct rtpe_kaddr {
	rtpe_u16 family;
	rtpe_u16 port;
	rtpe_u8 addr[16];
};

/* Commands (struct rtpe_kmsg.cmd). */
enum rtpe_kcmd {
	RTPE_KCMD_ADD_TARGET = 1,    /* -EEXIST if the local address and port have one */
	RTPE_KCMD_UPDATE_TARGET = 2, /* replace the settings, keep the counters; -ENOENT if none */
	RTPE_KCMD_DEL_TARGET = 3,    /* only target.local is read; -ENOENT if none. A read(2) of
	                              * one struct rtpe_kstats_record from the same open control
	                              * file then returns the target's last record (its final
	                              * counters and SRTP state), once; otherwise it reads 0 bytes */
};

/* SRTP ciphers and authentication. The kernel does NULL/NULL (plain RTP), AES_CM_* and
 * NULL, each with HMAC_SHA1; F8 and the AEAD ciphers are -EOPNOTSUPP. */
enum rtpe_kcipher {
	RTPE_KCIPHER_NULL = 0,
	RTPE_KCIPHER_AES_CM_128 = 1,
	RTPE_KCIPHER_AES_CM_192 = 2,
	RTPE_KCIPHER_AES_CM_256 = 3,
	RTPE_KCIPHER_AES_F8 = 4,
	RTPE_KCIPHER_AEAD_AES_GCM_128 = 5,
	RTPE_KCIPHER_AEAD_AES_GCM_256 = 6,
};
enum rtpe_khmac {
	RTPE_KHMAC_NULL = 0,
	RTPE_KHMAC_SHA1 = 1,
};

/* One direction's SRTP/SRTCP parameters (decrypt on the way in, encrypt on the way out).
 * All zero (NULL/NULL) is plain RTP. Otherwise: master_key_len 16 (AES_CM_128 and NULL),
 * 24 (AES_CM_192) or 32 (AES_CM_256), master_salt_len 14, tag lengths 4 or 10 (the
 * *_32 suites: 4 for RTP, 10 for RTCP), mki_len 0..16; anything else is -EINVAL. The
 * session keys are derived in the kernel (RFC 3711 4.3, key derivation rate 0).
 *
 * SSRC slots are the target's ssrc[] with RTPE_KF_SSRC_CHECK, else the SSRCs in the order
 * the target first saw them (the slots of blist's ssrc_stats). */
struct rtpe_kcrypto {
	rtpe_u32 cipher;          /* enum rtpe_kcipher */
	rtpe_u32 hmac;            /* enum rtpe_khmac */
	rtpe_u32 master_key_len;  /* bytes used of master_key */
	rtpe_u32 master_salt_len; /* bytes used of master_salt */
	rtpe_u8 master_key[32];   /* zeroed in blist */
	rtpe_u8 master_salt[16];  /* zeroed in blist */
	rtpe_u32 rtp_auth_tag_len;
	rtpe_u32 rtcp_auth_tag_len;
	rtpe_u32 mki_len;         /* sent with (encrypt) / required on (decrypt) every packet */
	rtpe_u32 reserved;
	rtpe_u8 mki[16];
	/* Rollover counter per SSRC slot: written, where the SSRC's index starts (ROC << 16 |
	 * the first SEQ); read back in blist, where the kernel is now. An update with the same
	 * suite, keys, salt, tags and MKI keeps the kernel's counters and ignores these. */
	rtpe_u32 roc[RTPE_KABI_NUM_SSRC];
	/* SRTCP index. decrypt: per SSRC slot, the highest one authenticated (0: none; the
	 * kernel keeps a 128-entry replay list below it, for SRTP too).
	 * encrypt: [0] only, the index the target's next SRTCP packet gets (one counter per
	 * target); the others are 0. Same write / read-back rule as roc. */
	rtpe_u64 last_rtcp_index[RTPE_KABI_NUM_SSRC];
};

/* Target flags (struct rtpe_ktarget.flags). */
#define RTPE_KF_RTCP        (1u << 0) /* an RTCP port: forward whatever arrives, no RTP checks */
#define RTPE_KF_PT_FILTER   (1u << 1) /* forward RTP only with a payload type in pt[] */
#define RTPE_KF_SSRC_CHECK  (1u << 2) /* forward RTP only with an SSRC in ssrc[] */
#define RTPE_KF_RTP_ONLY    (1u << 3) /* hand anything that is not RTPv2 to userspace */
#define RTPE_KF_ALL         (RTPE_KF_RTCP | RTPE_KF_PT_FILTER | RTPE_KF_SSRC_CHECK | RTPE_KF_RTP_ONLY)

/* One forwarding target: what arrives at `local` (from `expected_src`, if its family is
 * set) is sent to `dst` from `src`. `dst` and `src` share a family, which may differ
 * from `local`'s (IPv4 <-> IPv6 bridging). */
struct rtpe_ktarget {
	struct rtpe_kaddr local;
	struct rtpe_kaddr expected_src; /* family 0: any source; else a mismatch goes to userspace */
	struct rtpe_kaddr src;          /* send from */
	struct rtpe_kaddr dst;          /* send to */
	rtpe_u32 flags;                 /* RTPE_KF_* */
	rtpe_u32 stats_slot;            /* the daemon's index for this stream, echoed in blist */
	rtpe_u8 tos;                    /* IPv4 TOS / IPv6 traffic class of what is sent */
	rtpe_u8 num_pt;                 /* entries used in pt[] */
	rtpe_u8 num_ssrc;               /* entries used in ssrc[] */
	rtpe_u8 reserved0;
	rtpe_u8 pt[RTPE_KABI_MAX_PT];   /* allowed payload types (0..127) */
	rtpe_u32 ssrc[RTPE_KABI_NUM_SSRC]; /* host byte order */
	rtpe_u32 reserved1;
	struct rtpe_kcrypto decrypt;    /* incoming SRTP (RTCP targets: SRTCP); NULL/NULL = plain */
	struct rtpe_kcrypto encrypt;    /* outgoing SRTP (RTCP targets: SRTCP); NULL/NULL = plain */
};

/* What one write(2) to /proc/rtpengine/N/control carries. */
struct rtpe_kmsg {
	rtpe_u32 magic;   /* RTPE_KABI_MAGIC */
	rtpe_u16 version; /* RTPE_KABI_VERSION */
	rtpe_u16 size;    /* sizeof(struct rtpe_kmsg) */
	rtpe_u32 cmd;     /* enum rtpe_kcmd */
	rtpe_u32 reserved;
	struct rtpe_ktarget target;
};

/* Per-SSRC counters in a blist record; ssrc 0 with packets 0 is an unused slot.
 * srtp_seq: on an SRTP target, RTPE_KSEQ_SEEN | the highest RTP sequence number of the
 * slot (decrypt side, else encrypt side): with the crypto's roc[] the kernel's whole
 * packet index, which userspace continues from when it takes the stream back. */
#define RTPE_KSEQ_SEEN (1u << 16)
struct rtpe_kssrc_stats {
	rtpe_u32 ssrc;
	rtpe_u32 srtp_seq;
	rtpe_u64 packets;
	rtpe_u64 bytes;
};

/* One record of /proc/rtpengine/N/blist. A read(2) must ask for at least one record and
 * gets as many whole records as fit; the file offset counts records; 0 bytes = the end.
 * The crypto keys and salts in `target` are zeroed (the file is world-readable); its
 * roc[] and last_rtcp_index[] are the kernel's current ones. */
struct rtpe_kstats_record {
	rtpe_u32 magic;   /* RTPE_KABI_MAGIC */
	rtpe_u16 version; /* RTPE_KABI_VERSION */
	rtpe_u16 size;    /* sizeof(struct rtpe_kstats_record) */
	struct rtpe_ktarget target;
	rtpe_u64 packets;     /* forwarded */
	rtpe_u64 bytes;       /* UDP payload bytes forwarded, as they arrived (before SRTP) */
	rtpe_u64 errors;      /* packets dropped because they could not be sent, or SRTP/SRTCP
	                       * replays (the decrypt side's replay lists) */
	rtpe_u64 userspace;   /* packets of this target handed to userspace (failed a check,
	                       * SRTP authentication among them) */
	rtpe_u64 last_packet_us; /* CLOCK_REALTIME of the last forwarded packet, us; 0 = none */
	rtpe_u64 pt_packets[RTPE_KABI_MAX_PT]; /* per entry of target.pt[] */
	struct rtpe_kssrc_stats ssrc_stats[RTPE_KABI_NUM_SSRC];
};

/* The option block of the RTPENGINE iptables target (-j RTPENGINE --id N). */
struct xt_rtpengine_info {
	rtpe_u32 id;
};

#define RTPE_KABI_ASSERT_SIZE(type, n) \
	_Static_assert(sizeof(type) == (n), "ABI size of " #type " changed")
#ifndef __cplusplus
RTPE_KABI_ASSERT_SIZE(struct rtpe_kaddr, 20);
RTPE_KABI_ASSERT_SIZE(struct rtpe_kcrypto, 144);
RTPE_KABI_ASSERT_SIZE(struct rtpe_ktarget, 432);
RTPE_KABI_ASSERT_SIZE(struct rtpe_kmsg, 448);
RTPE_KABI_ASSERT_SIZE(struct rtpe_kstats_record, 832);
#else
static_assert(sizeof(struct rtpe_kaddr) == 20, "ABI size of rtpe_kaddr changed");
static_assert(sizeof(struct rtpe_kcrypto) == 144, "ABI size of rtpe_kcrypto changed");
static_assert(sizeof(struct rtpe_ktarget) == 432, "ABI size of rtpe_ktarget changed");
static_assert(sizeof(struct rtpe_kmsg) == 448, "ABI size of rtpe_kmsg changed");
static_assert(sizeof(struct rtpe_kstats_record) == 832, "ABI size of rtpe_kstats_record changed");
#endif

#endif
