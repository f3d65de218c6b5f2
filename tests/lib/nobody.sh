# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The unprivileged user the host suites build as (tests/headers-cases.sh,
# tests/stock-cases.sh): nobody, with a plain environment.
NOBODY=65534

# as_nobody COMMAND...: run COMMAND as nobody, with only PATH and HOME set.
as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/nonexistent "$@"
}
