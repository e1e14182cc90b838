// SPDX-License-Identifier: GPL-2.0
/*
 * iptables/ip6tables plugin for the RTPENGINE target of xt_RTPENGINE:
 *   iptables -I INPUT -p udp -j RTPENGINE --id N
 * One registration for both families (NFPROTO_UNSPEC); works with iptables-legacy and
 * iptables-nft (through nft_compat).
 */
#include <stdio.h>
#include <xtables.h>

#include "rtpengine_kernel_abi.h"

enum {
	O_ID = 0,
};

static void rtpengine_help(void)
{
	printf("RTPENGINE target options:\n"
	       " --id <table>\t\tforwarding table of xt_RTPENGINE to look packets up in\n"
	       "\t\t\t(0 .. 63 unless the module's max_tables is changed)\n");
}

static const struct xt_option_entry rtpengine_opts[] = {
	{
		.name = "id",
		.id = O_ID,
		.type = XTTYPE_UINT32,
		.flags = XTOPT_MAND | XTOPT_PUT,
		XTOPT_POINTER(struct xt_rtpengine_info, id),
	},
	XTOPT_TABLEEND,
};

static void rtpengine_print(const void *ip, const struct xt_entry_target *target, int numeric)
{
	const struct xt_rtpengine_info *info = (const void *)target->data;

	printf(" RTPENGINE id:%u", info->id);
}

static void rtpengine_save(const void *ip, const struct xt_entry_target *target)
{
	const struct xt_rtpengine_info *info = (const void *)target->data;

	printf(" --id %u", info->id);
}

static struct xtables_target rtpengine_tg_reg = {
	.name = "RTPENGINE",
	.family = NFPROTO_UNSPEC,
	.revision = 0,
	.version = XTABLES_VERSION,
	.size = XT_ALIGN(sizeof(struct xt_rtpengine_info)),
	.userspacesize = XT_ALIGN(sizeof(struct xt_rtpengine_info)),
	.help = rtpengine_help,
	.print = rtpengine_print,
	.save = rtpengine_save,
	.x6_parse = xtables_option_parse,
	.x6_options = rtpengine_opts,
};

/* xtables dlopen()s the plugin; registering from a constructor needs no _init symbol */
__attribute__((constructor)) static void rtpengine_tg_ldr(void)
{
	xtables_register_target(&rtpengine_tg_reg);
}
