/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Input to bindgen for the userspace test of /dev/rust-misc (build.sh).
 *
 * bindgen translates the header's object-like macros (RUST_MISC_CAPACITY,
 * RUST_MISC_IOC_MAGIC) and struct rust_misc_stats by itself, but it cannot
 * expand function-like macros such as _IOR(), so the ioctl numbers are
 * repeated here as constants initialized from the header's macros: clang
 * evaluates the initializers and bindgen emits them as `pub const`s.
 */
#include "../../../modules/rust_misc/rust_misc.h"

static const unsigned long RUST_MISC_ABI_GET_LEN = RUST_MISC_GET_LEN;
static const unsigned long RUST_MISC_ABI_CLEAR = RUST_MISC_CLEAR;
static const unsigned long RUST_MISC_ABI_GET_STATS = RUST_MISC_GET_STATS;
