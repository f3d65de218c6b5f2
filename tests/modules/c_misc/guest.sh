# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest test of modules/c_misc, the C twin of rust_misc: the same steps,
# with the same test programs (tests/modules/rust_misc/), against
# /dev/c-misc: misc_store_* in tests/guest/lib.sh.

misc_store_hooks /dev/c-misc
