// SPDX-License-Identifier: GPL-2.0
/*
 * hello_c: the C twin of modules/hello. Logs a greeting when it is loaded
 * and a goodbye when it is unloaded, nothing else.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init hello_c_init(void)
{
	pr_info("Hello from C in the kernel!\n");
	return 0;
}

static void __exit hello_c_exit(void)
{
	pr_info("Goodbye from C\n");
}

module_init(hello_c_init);
module_exit(hello_c_exit);

MODULE_AUTHOR("Rust kernel module workspace");
MODULE_DESCRIPTION("Logs a greeting on load and a goodbye on unload (C)");
MODULE_LICENSE("GPL");
