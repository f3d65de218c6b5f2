# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree Rust kernel modules: the user-facing Makefile.
#
# Kbuild reads ./Kbuild (not this file) when it descends into the workspace,
# so everything here is for people: build the modules against KDIR, build the
# workspace's own test kernel, boot it in QEMU and run the tests.
# `make help` lists the targets.

WS        := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD_DIR := $(WS)/build

# The workspace's default kernel: Debian's linux-source package, built with
# this LLVM version by scripts/build-kernel.sh.
KERNEL_SERIES := 6.12
LLVM_VERSION  := 19
DEFAULT_KDIR  := $(BUILD_DIR)/linux-$(KERNEL_SERIES)

KDIR ?= $(DEFAULT_KDIR)
override KDIR := $(abspath $(KDIR))

# ---------------------------------------------------------------------------
# Toolchain. The rust-toolchain.toml `path` names the compiler that built the
# default kernel; it is passed to Kbuild explicitly (RUSTC, HOSTRUSTC for the
# proc macros, RUSTDOC, CLIPPY_DRIVER, RUSTFMT) so that a different `rustc` first on
# PATH, such as a rustup default, can never build a module (error E0514).
# Any of them can still be overridden on the command line.
TOOLCHAIN_PATH := $(shell sed -n 's/^path *= *"\(.*\)"[[:space:]]*$$/\1/p' $(WS)/rust-toolchain.toml)
RUSTC         := $(TOOLCHAIN_PATH)/bin/rustc
HOSTRUSTC     := $(RUSTC)
RUSTDOC       := $(TOOLCHAIN_PATH)/bin/rustdoc
CLIPPY_DRIVER := $(TOOLCHAIN_PATH)/bin/clippy-driver
RUSTFMT       := $(TOOLCHAIN_PATH)/bin/rustfmt
BINDGEN       := $(BUILD_DIR)/tools/bin/bindgen

# bindgen loads libclang at run time; use the one matching the kernel's clang.
export LIBCLANG_PATH ?= /usr/lib/llvm-$(LLVM_VERSION)/lib

# LLVM: a clang-built tree needs the modules built with the same clang. On
# Debian, clang-19 installs no plain `clang`, so `LLVM=1` alone would fail:
# when the `clang` on PATH is not the tree's version, use the versioned
# install's prefix (/usr/lib/llvm-N/bin/) instead. LLVM=-N or LLVM=/prefix/
# given on the command line are used as they are.
KDIR_CLANG_VERSION := $(shell sed -n 's/^CONFIG_CLANG_VERSION=//p' $(KDIR)/include/config/auto.conf 2>/dev/null)
ifneq ($(filter-out 0,$(KDIR_CLANG_VERSION)),)
  KDIR_CLANG_MAJOR := $(shell echo $$(($(KDIR_CLANG_VERSION) / 10000)))
  ifeq ($(filter-out 1,$(LLVM)),)
    PATH_CLANG_MAJOR := $(shell clang -dumpversion 2>/dev/null | cut -d. -f1)
    ifeq ($(PATH_CLANG_MAJOR),$(KDIR_CLANG_MAJOR))
      KBUILD_LLVM := 1
    else
      KBUILD_LLVM := /usr/lib/llvm-$(KDIR_CLANG_MAJOR)/bin/
    endif
  else
    KBUILD_LLVM := $(LLVM)
  endif
else
  KBUILD_LLVM := $(LLVM)
endif

# What every Kbuild invocation gets, explicitly.
KBUILD_VARS := LLVM=$(KBUILD_LLVM) RUSTC=$(RUSTC) HOSTRUSTC=$(HOSTRUSTC) \
	       RUSTDOC=$(RUSTDOC) CLIPPY_DRIVER=$(CLIPPY_DRIVER) \
	       RUSTFMT=$(RUSTFMT) BINDGEN=$(BINDGEN)
KBUILD := $(MAKE) -C $(KDIR) M=$(WS) $(KBUILD_VARS)

# Environment for the scripts (they are only run through this Makefile).
export WS BUILD_DIR KERNEL_SERIES LLVM_VERSION DEFAULT_KDIR
export WS_RUSTC := $(RUSTC)
export WS_RUSTDOC := $(RUSTDOC)
export WS_CLIPPY_DRIVER := $(CLIPPY_DRIVER)
export WS_RUSTFMT := $(RUSTFMT)
export WS_BINDGEN := $(BINDGEN)
export WS_LLVM := -$(LLVM_VERSION)

.PHONY: all modules clean modules_install help deps kernel run check \
	check-kdir

all: modules

# A friendly stop before Kbuild's own, terser errors.
check-kdir:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
	  echo "error: KDIR=$(KDIR) is not a kernel tree." >&2; \
	  if [ "$(KDIR)" = "$(DEFAULT_KDIR)" ]; then \
	    echo "  The workspace's default kernel is not built yet: run 'make kernel'" >&2; \
	    echo "  (or 'make run', which also boots it), or pass KDIR=/path/to/a/built/tree." >&2; \
	  else \
	    echo "  Pass KDIR=/path/to/a/configured, built kernel tree (the one with .config and Module.symvers)." >&2; \
	  fi; \
	  exit 1; \
	fi
	@if [ ! -f "$(KDIR)/Module.symvers" ] || [ ! -f "$(KDIR)/include/config/auto.conf" ]; then \
	  echo "error: KDIR=$(KDIR) is not built: Module.symvers or include/config/auto.conf is missing." >&2; \
	  echo "  Build the kernel there first ('make LLVM=1' in that tree), or use 'make kernel'." >&2; \
	  exit 1; \
	fi
	@if ! grep -qx 'CONFIG_RUST=y' "$(KDIR)/include/config/auto.conf"; then \
	  echo "error: KDIR=$(KDIR) was configured without CONFIG_RUST=y; Rust modules cannot load into it." >&2; \
	  echo "  Kconfig turns RUST off silently when rustc/bindgen are missing or an option conflicts" >&2; \
	  echo "  (MODVERSIONS, RANDSTRUCT, DEBUG_INFO_BTF...): see 'make menuconfig' -> General setup -> Rust support." >&2; \
	  exit 1; \
	fi
	@if [ ! -x "$(RUSTC)" ]; then \
	  echo "error: $(RUSTC) (from rust-toolchain.toml or RUSTC=) does not exist: run 'make deps'." >&2; \
	  exit 1; \
	fi

modules: check-kdir
	$(KBUILD) modules

modules_install: check-kdir
	$(KBUILD) modules_install

clean:
	@if [ -f "$(KDIR)/Makefile" ]; then \
	  $(KBUILD) clean; \
	else \
	  echo "KDIR=$(KDIR) not found: removing module build outputs directly"; \
	  find modules \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	    -o -name '.*.cmd' -o -name '.*.d' -o -name 'modules.order' \) -delete; \
	  rm -f Module.symvers modules.order; \
	fi

deps:
	@$(WS)/scripts/install-deps.sh

kernel: deps
	@$(WS)/scripts/build-kernel.sh

# `run` and `check` always use the workspace's own kernel: it is what boots.
run: kernel
	@$(MAKE) --no-print-directory -C $(WS) KDIR=$(DEFAULT_KDIR) modules
	@$(WS)/tests/run-vm.sh --show

# The host checks build the modules (clean, with clippy, then without).
check: kernel
	@$(WS)/tests/host-checks.sh >$(BUILD_DIR)/logs/host-results.log
	@$(WS)/tests/run-vm.sh --host-results $(BUILD_DIR)/logs/host-results.log

help:
	@echo 'Out-of-tree Rust kernel modules'
	@echo
	@echo 'Building modules (against KDIR, default $(DEFAULT_KDIR)):'
	@echo '  make [LLVM=1] [KDIR=/path/to/kernel/build]   build every module in modules/'
	@echo '  make clean                                   remove module build outputs'
	@echo '  make modules_install [INSTALL_MOD_PATH=dir]  install the .ko files under lib/modules/'
	@echo
	@echo 'Workspace kernel and tests:'
	@echo '  make deps     install missing packages and the pinned bindgen (idempotent)'
	@echo '  make kernel   build the default Linux $(KERNEL_SERIES) test kernel (cached under build/)'
	@echo '  make run      deps + kernel + modules, boot QEMU, load each module, show its log'
	@echo '  make check    the whole test suite in QEMU, KTAP output, non-zero exit on failure'
	@echo
	@echo 'Toolchain passed to Kbuild:'
	@echo '  RUSTC=$(RUSTC)'
	@echo '  BINDGEN=$(BINDGEN)'
	@echo '  LLVM=$(KBUILD_LLVM)'
