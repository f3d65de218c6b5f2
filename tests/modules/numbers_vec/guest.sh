# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest test of modules/numbers_vec: the vector is built on load and logged
# on unload.

after_load() {
	expect_log "numbers_vec: Loaded with 3 numbers"
}

after_unload() {
	expect_log "numbers_vec: My numbers are [72, 108, 200]"
	expect_log "numbers_vec: Exiting, freeing the vector"
}
