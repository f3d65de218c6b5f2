# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest test of modules/rust_misc: the node appears with the minor the
# module logs, the userspace test program checks every rule of the device
# (one result line per check), the model-checked fuzzer and the
# multi-process stress test run, and the node goes away at unload. The
# programs (this folder's build.sh) take the node and the module as
# options, so another driver of the same ABI (modules/c_misc) is tested the
# same way: the steps are shared, misc_store_* in tests/guest/lib.sh (which
# also lists the kernel command line settings they read).

misc_store_hooks /dev/rust-misc
