/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Userspace interface of /dev/rust-misc, the misc device of
 * modules/rust_misc: a byte store of RUST_MISC_CAPACITY bytes read and
 * written with read(2)/write(2)/lseek(2), plus these ioctls.
 *
 * The module's Rust code and the userspace tests both take the numbers
 * below from this header, through bindgen.
 */
#ifndef RUST_MISC_H
#define RUST_MISC_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bytes the device can hold. */
#define RUST_MISC_CAPACITY 4096

/* ioctl type byte; free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define RUST_MISC_IOC_MAGIC 0xBA

/* Counters since the module was loaded, returned by RUST_MISC_GET_STATS. */
struct rust_misc_stats {
	__u64 opens;		/* successful open(2) calls */
	__u64 bytes_read;	/* bytes copied to userspace by read(2) */
	__u64 bytes_written;	/* bytes stored by write(2) */
};

/* Store the current length of the data as a __u64 at the argument. */
#define RUST_MISC_GET_LEN	_IOR(RUST_MISC_IOC_MAGIC, 1, __u64)
/* Drop all data: length 0, buffer zeroed. No argument. */
#define RUST_MISC_CLEAR		_IO(RUST_MISC_IOC_MAGIC, 2)
/* Store a struct rust_misc_stats at the argument. */
#define RUST_MISC_GET_STATS	_IOR(RUST_MISC_IOC_MAGIC, 3, struct rust_misc_stats)

#endif /* RUST_MISC_H */
