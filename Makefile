# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree Rust kernel modules: the user-facing Makefile.
#
# Kbuild reads ./Kbuild (not this file) when it descends into the workspace,
# so everything here is for people: build the modules against KDIR, build the
# workspace's own test kernel, boot it in QEMU and run the tests.
# `make help` lists the targets.

# The workspace's folder: where make read this file (the last word of
# MAKEFILE_LIST, less the makefiles of the MAKEFILES environment variable).
WS_MAKEFILE := $(filter-out $(MAKEFILES),$(MAKEFILE_LIST))
WS        := $(abspath $(dir $(lastword $(WS_MAKEFILE))))
BUILD_DIR := $(WS)/build

# ---------------------------------------------------------------------------
# The workspace's own folder and the paths and names given to make (on the
# command line or in the environment) are checked first, before anything
# below uses them: the $(shell ...) calls run while make reads this file.
# Such a value reaches make's functions, the rules Kbuild writes and shell
# command lines unquoted, and Kbuild cannot build in a path with whitespace
# anyway, so a value with one of these is refused with one line saying
# which variable, what it has and what to do (make's own $(error): nothing
# is run). Each value is read unexpanded ($(value ...)): a $(...) in it is
# never expanded.
#   whitespace       make splits the value into words (Kbuild cannot build
#                    in such a path)
#   $                make expands it (a $(shell ...) would run), so does sh
#   ; & | < > ( ) `  the shell's command separators, pipes, redirections,
#                    subshells and command substitutions
#   " ' \            the shell's quoting, also make's escapes
#   #                a comment for make and for the shell
#   * ? [ ]          wildcards of the shell and of make
#   : =              a rule's target separator, or a variable assignment, in
#                    the rules Kbuild writes paths into (its .cmd files)
#   %                make's pattern character (Kbuild's filter, patsubst)
#   ,                separates make's function arguments and compiler
#                    option lists (-Wp,-MMD,<file>)
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
TAB   := $(EMPTY)	$(EMPTY)
define NEWLINE


endef
UNSAFE_CHARS := ; & | < > ( ) ` $$ " ' \ \# * ? [ ] : = % ,

# has_space,NAME: non-empty when the value of variable NAME has whitespace.
has_space = $(or $(findstring $(SPACE),$(value $(1))),$(findstring $(TAB),$(value $(1))),$(findstring $(NEWLINE),$(value $(1))))
# unsafe_in,NAME: the characters of UNSAFE_CHARS that NAME's value has.
unsafe_in = $(strip $(foreach c,$(UNSAFE_CHARS),$(if $(findstring $c,$(value $(1))),$c)))
# found_in,NAME,LIST: what to refuse in NAME's value, as words for a
# message ("a space and ; #"); whitespace does not count when LIST is set
# (the value is a list of words).
found_in = $(strip $(if $(if $(2),,$(call has_space,$(1))),a space$(if $(call unsafe_in,$(1)), and)) $(call unsafe_in,$(1)))
WITHOUT_UNSAFE = without whitespace or any of $(UNSAFE_CHARS)

# refuse_unsafe,NAME,KIND[,LIST]: stop on a value make, Kbuild or the shell
# cannot carry safely; KIND says what the value is, LIST that it is a list
# of words (whitespace separates them).
comma := ,
refuse_unsafe = $(if $(call found_in,$(1),$(3)),$(error $(1)='$(value $(1))': a $(2) with $(call found_in,$(1),$(3)): $(call why_unsafe,$(1),$(2)); $(call give_safe,$(2),$(3))))
why_unsafe = $(if $(call unsafe_in,$(1)),make$(comma) Kbuild or the shell would split it$(comma) expand it or run pieces of it,$(if $(filter path,$(2)),Kbuild cannot build in such a path and )make splits it into words)
give_safe = give $(if $(2),values without any of $(UNSAFE_CHARS),a $(1) $(WITHOUT_UNSAFE))$(if $(filter path,$(1)), (rename or move the folder$(comma) or point a symlink at it from such a path))

# The workspace's folder: its own message (before kernels/*.conf is looked
# up, which a split path would only report as "no kernels/6.12.conf"). Run
# in the folder (or with -C), its path is CURDIR's; read with -f PATH, a
# PATH with whitespace is split in MAKEFILE_LIST, whose last word is then
# no file.
ifneq ($(call found_in,WS)$(if $(wildcard $(lastword $(WS_MAKEFILE))),,split),)
  WS_WHERE := $(if $(wildcard $(lastword $(WS_MAKEFILE))),$(value WS),$(patsubst %/Makefile,%,$(WS_MAKEFILE)))
  $(error the workspace's folder '$(WS_WHERE)' has a path with $(or $(call found_in,WS_WHERE),a space): $(call why_unsafe,WS_WHERE,path); clone or move the workspace to a path $(WITHOUT_UNSAFE))
endif

# The paths a user gives, the lists (MODULE=a.ko b.ko, KERNELS=6.12 6.1)
# and the names that reach commands too.
USER_PATHS := KDIR DEST INSTALL_MOD_PATH DKMS_ROOT DKMS_KDIR RUST_PROJECT \
	RUNNING_KDIR SELF_CONTAINED_DIR SELF_CONTAINED_OUT BUILD_DIR
$(foreach v,$(USER_PATHS),$(call refuse_unsafe,$(v),path))
$(call refuse_unsafe,MODULE,list of .ko files,list)
$(call refuse_unsafe,KERNELS,list of kernel generations,list)
$(foreach v,KERNEL RELEASE DKMS_KERNEL,$(call refuse_unsafe,$(v),name))

# A relative path is made absolute from the current folder, which must then
# be as safe as the path itself.
ifneq ($(call found_in,CURDIR),)
  $(foreach v,$(USER_PATHS) MODULE,$(if $(filter-out /%,$(value $(v))),$(error $(v)=$(value $(v)): a relative path, and the current folder '$(CURDIR)' has $(call found_in,CURDIR) in its path; give an absolute path $(WITHOUT_UNSAFE))))
endif

# What each path must be, when given (the values are safe to look up now):
# a folder that is created when missing, an existing folder, a file to
# write in an existing folder, existing files.
is_dir = $(wildcard $(1)/.)
exists = $(wildcard $(1))
$(foreach v,DEST INSTALL_MOD_PATH DKMS_ROOT,$(if $(and $(value $(v)),$(call exists,$(value $(v))),$(if $(call is_dir,$(value $(v))),,x)),\
	$(error $(v)=$(value $(v)): not a folder (a file of that name exists); give the path of a folder, which is created when missing)))
ifneq ($(value DKMS_KDIR),)
  $(if $(call exists,$(DKMS_KDIR)),$(if $(call is_dir,$(DKMS_KDIR)),,\
	$(error DKMS_KDIR=$(DKMS_KDIR): not a folder (a file); give the kernel's build tree or headers folder)),\
	$(error DKMS_KDIR=$(DKMS_KDIR): no such folder; give the kernel's build tree or headers folder))
endif
ifneq ($(value RUST_PROJECT),)
  $(if $(call is_dir,$(RUST_PROJECT)),$(error RUST_PROJECT=$(RUST_PROJECT): a folder, not a file; give the path of the rust-project.json to write))
  $(if $(call is_dir,$(dir $(abspath $(RUST_PROJECT)))),,$(error RUST_PROJECT=$(RUST_PROJECT): its folder $(patsubst %/,%,$(dir $(abspath $(RUST_PROJECT)))) does not exist; create it or give a path in an existing folder))
endif
# MODULE is a list of .ko files (the doctor says which one is missing), so
# a file whose path has a space cannot be given: say so when one of its
# words is no file.
ifneq ($(word 2,$(value MODULE)),)
  $(foreach m,$(MODULE),$(if $(call exists,$(m)),,$(error MODULE=$(MODULE): no file $(m); MODULE is a list of .ko files separated by spaces, so give .ko files whose paths have no whitespace (move or link them))))
endif

# Debian installs modinfo, depmod, modprobe, dkms and chroot in /usr/sbin
# (and /sbin), which are not on a normal user's PATH; the scripts run them
# as any user. Added at the end, once, for every command make runs.
SBIN_MISSING := $(filter-out $(subst :, ,$(PATH)),/usr/sbin /sbin)
export PATH := $(PATH)$(if $(SBIN_MISSING),:$(subst $(SPACE),:,$(SBIN_MISSING)))

# Kernel generations: one description each in kernels/*.conf, read through
# scripts/kernel-conf.sh. KERNEL picks the workspace's kernel (make kernel,
# run, check); a module build against KDIR uses the generation of that tree.
KNOWN_KERNELS := $(sort $(basename $(notdir $(wildcard $(WS)/kernels/*.conf))))
# The generations make check and make check-debug cover (KERNELS=6.1: one).
KERNELS ?= $(KNOWN_KERNELS)
DEFAULT_KERNEL := 7.3
KERNEL  ?= $(DEFAULT_KERNEL)
KCONF    = WS=$(WS) BUILD_DIR=$(BUILD_DIR) sh -c '. "$$WS/scripts/kernel-conf.sh" && $(1)'

# kconf_vars,LABEL,PREFIX: the description's values as make variables
# PREFIX<name> (KCONF_RUSTC, ... see scripts/kernel-conf.sh).
kconf_vars = $(foreach kv,$(shell $(call KCONF,kconf_print_make $(1) | sed "s/^/$(2)/")),$(eval $(kv)))

ifeq ($(filter $(KERNEL),$(KNOWN_KERNELS)),)
  $(error KERNEL=$(KERNEL): no kernels/$(KERNEL).conf (known: $(KNOWN_KERNELS)))
endif
$(call kconf_vars,$(KERNEL),WS_)
ifeq ($(WS_KCONF_FILE),)
  $(error kernels/$(KERNEL).conf could not be read (see the error above))
endif
KERNEL_SERIES := $(WS_KERNEL_SERIES)
LLVM_VERSION  := $(WS_LLVM_VERSION)
DEFAULT_KDIR  := $(WS_KCONF_KDIR)

# KDIR, when not given (on the command line or in the environment): the
# running kernel's build tree when it has Rust (CONFIG_RUST=y), as
# out-of-tree module templates default to the running kernel, else the
# workspace's kernel. RUNNING_KDIR names the running kernel's tree. The
# targets that boot the workspace's kernels (run, check...) pass their KDIR
# to every build explicitly, so this choice is only that of `make`,
# `make doctor` and the like, which say it in one line (KDIR_CHOICE).
# With SELF_CONTAINED=1 it is always the running kernel's tree.
RUNNING_KDIR ?= /lib/modules/$(shell uname -r)/build
ifeq ($(origin KDIR),undefined)
  ifeq ($(SELF_CONTAINED),1)
    KDIR := $(RUNNING_KDIR)
    KDIR_CHOICE := the running kernel's tree (SELF_CONTAINED=1 builds for the kernel that runs)
  else ifneq ($(shell grep -sx 'CONFIG_RUST=y' $(RUNNING_KDIR)/include/config/auto.conf),)
    KDIR := $(RUNNING_KDIR)
    KDIR_CHOICE := the running kernel's tree, which has CONFIG_RUST=y
  else ifneq ($(wildcard $(RUNNING_KDIR)/include/config/auto.conf),)
    KDIR := $(DEFAULT_KDIR)
    KDIR_CHOICE := the workspace's Linux $(KERNEL_SERIES) kernel: the running kernel's tree $(RUNNING_KDIR) has no CONFIG_RUST=y
  else
    KDIR := $(DEFAULT_KDIR)
    KDIR_CHOICE := the workspace's Linux $(KERNEL_SERIES) kernel: the running kernel has no built tree at $(RUNNING_KDIR)
  endif
endif
override KDIR := $(abspath $(KDIR))
SAY_KDIR = $(if $(KDIR_CHOICE),@echo "make: KDIR=$(KDIR): $(KDIR_CHOICE) (KDIR=... picks another)" >&2)

# ---------------------------------------------------------------------------
# Toolchain for KDIR. The tree's generation is its VERSION.PATCHLEVEL (from
# include/config/kernel.release, else its Makefile), matched against the
# descriptions' KERNEL_SERIES; WS_KERNEL_CONF is the matched description,
# empty when the workspace does not know the generation (scripts/doctor.sh
# reports that; the default generation's tools are used meanwhile).
#
# The compiler: a tree's own record, $(KDIR)/rust-toolchain.toml (written by
# scripts/build-kernel.sh and scripts/package-headers.sh), names the folder
# whose bin/rustc built its Rust metadata; without one, the generation's
# description names it. It is passed to Kbuild explicitly (RUSTC, HOSTRUSTC
# for the proc macros, RUSTDOC, CLIPPY_DRIVER, RUSTFMT), so that a different
# `rustc` first on PATH, such as a rustup default, can never build a module
# (error E0514). Any of them can still be overridden on the command line.
KDIR_RELEASE := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
ifneq ($(KDIR_RELEASE),)
  KDIR_SERIES := $(shell echo '$(KDIR_RELEASE)' | cut -d. -f1-2)
else
  KDIR_SERIES := $(shell sed -n 's/^VERSION *= *//p;s/^PATCHLEVEL *= *//p' $(KDIR)/Makefile 2>/dev/null | head -n2 | paste -sd.)
endif
WS_KERNEL_CONF := $(if $(KDIR_SERIES),$(shell $(call KCONF,kconf_find $(KDIR_SERIES))))
KDIR_KERNEL    := $(if $(WS_KERNEL_CONF),$(basename $(notdir $(WS_KERNEL_CONF))),$(KERNEL))
$(call kconf_vars,$(KDIR_KERNEL),KDIR_)

TOOLCHAIN_FILE := $(wildcard $(KDIR)/rust-toolchain.toml)
TOOLCHAIN_PATH := $(if $(TOOLCHAIN_FILE),$(shell sed -n 's/^path *= *"\(.*\)"[[:space:]]*$$/\1/p' $(TOOLCHAIN_FILE)),$(KDIR_KCONF_RUST_PREFIX))
RUSTC         := $(TOOLCHAIN_PATH)/bin/rustc
HOSTRUSTC     := $(RUSTC)
RUSTDOC       := $(TOOLCHAIN_PATH)/bin/rustdoc
CLIPPY_DRIVER := $(TOOLCHAIN_PATH)/bin/clippy-driver
RUSTFMT       := $(TOOLCHAIN_PATH)/bin/rustfmt
BINDGEN       := $(KDIR_KCONF_BINDGEN)

# LLVM: a clang-built tree needs the modules built with the same clang. On
# Debian, clang-N installs no plain `clang`, so `LLVM=1` alone would fail:
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
  KDIR_CLANG_MAJOR := $(KDIR_LLVM_VERSION)
  KBUILD_LLVM := $(LLVM)
endif

# bindgen loads libclang at run time: the one matching the tree's clang,
# unless LIBCLANG_PATH=... is given on the command line. (Not taken from
# the environment: a make run for another tree, such as make check's run
# for each generation, would pass its own down.)
ifneq ($(origin LIBCLANG_PATH),command line)
  export LIBCLANG_PATH := /usr/lib/llvm-$(KDIR_CLANG_MAJOR)/lib
endif

# What every Kbuild invocation gets, explicitly.
KBUILD_VARS := LLVM=$(KBUILD_LLVM) RUSTC=$(RUSTC) HOSTRUSTC=$(HOSTRUSTC) \
	       RUSTDOC=$(RUSTDOC) CLIPPY_DRIVER=$(CLIPPY_DRIVER) \
	       RUSTFMT=$(RUSTFMT) BINDGEN=$(BINDGEN)
# KDIR_RUN: a generation whose toolchain is another Debian release's
# (RUST_INSTALL=env in its description) builds inside that release's
# environment (scripts/env-run.sh), which sees KDIR at the same path.
KDIR_RUN := $(if $(KDIR_KCONF_ENV),$(WS)/scripts/env-run.sh $(KDIR_KCONF_ENV))
# (The tree, and the folders of the tools named to Kbuild: a copy of the
# workspace whose build/ links to another's names them there.
# INSTALL_MOD_PATH too: what modules_install writes must land outside.)
export WS_ENV_BINDS := $(KDIR):$(TOOLCHAIN_PATH):$(patsubst %/,%,$(dir $(BINDGEN)))$(if $(INSTALL_MOD_PATH),:$(abspath $(INSTALL_MOD_PATH)))
KBUILD := $(KDIR_RUN) $(MAKE) -C $(KDIR) M=$(WS) $(KBUILD_VARS)

# Environment for the scripts (they are only run through this Makefile).
# WS_RUSTC... and WS_LLVM are the toolchain of the workspace's kernel
# (KERNEL), WS_KERNEL_CONF and WS_KDIR_SERIES describe KDIR's generation.
export WS BUILD_DIR KERNEL KERNELS KERNEL_SERIES LLVM_VERSION DEFAULT_KDIR
export WS_RUSTC := $(WS_KCONF_RUSTC)
export WS_RUSTDOC := $(WS_KCONF_RUSTDOC)
export WS_CLIPPY_DRIVER := $(WS_KCONF_CLIPPY_DRIVER)
export WS_RUSTFMT := $(WS_KCONF_RUSTFMT)
export WS_BINDGEN := $(WS_KCONF_BINDGEN)
export WS_LLVM := $(WS_KCONF_LLVM)
export WS_KERNEL_CONF

# The userspace test programs (tests/) are host programs with std: whatever
# the kernel under test, the rustc of the first generation whose toolchain
# is the host's own release builds them, and the default generation's
# bindgen (with its libclang) makes their bindings of the device's ABI. On
# Debian 12 that is rustc-web 1.96 (6.12's) and Debian 13's bindgen 0.71.1
# (7.3's): make run on the default generation needs no bindgen built from
# crates.io (6.12's kernel does) nor anything else of 6.12's kernel build.
PROGRAMS_KERNEL := $(shell $(call KCONF,kconf_host_generation))
$(call kconf_vars,$(PROGRAMS_KERNEL),PROGRAMS_)
ifneq ($(KERNEL),$(DEFAULT_KERNEL))
  $(call kconf_vars,$(DEFAULT_KERNEL),DEFAULT_)
else
  DEFAULT_KCONF_BINDGEN := $(WS_KCONF_BINDGEN)
  DEFAULT_KCONF_LIBCLANG_PATH := $(WS_KCONF_LIBCLANG_PATH)
endif
export WS_PROGRAMS_RUSTC := $(PROGRAMS_KCONF_RUSTC)
export WS_PROGRAMS_BINDGEN := $(DEFAULT_KCONF_BINDGEN)
export WS_PROGRAMS_LIBCLANG_PATH := $(DEFAULT_KCONF_LIBCLANG_PATH)
export WS_KDIR_SERIES := $(KDIR_SERIES)

.PHONY: all modules clean modules_install help deps kernel kernel-debug kernels kernels-debug run \
	check check-debug check-generation check-generation-host check-generation-vms check-debug-generation headers \
	check-kdir doctor rust-analyzer check-rust-analyzer check-doctor dkms-modules dkms-source dkms-install check-dkms bench \
	check-stock check-new-module rust-metadata

all: modules

# scripts/doctor.sh checks KDIR and the toolchain before Kbuild runs (quietly
# here, every check with `make doctor`); it stops on any problem and says how
# to fix it.
DOCTOR := KDIR=$(KDIR) DEFAULT_KDIR=$(DEFAULT_KDIR) RUSTC=$(RUSTC) \
	  BINDGEN=$(BINDGEN) LLVM=$(KBUILD_LLVM) $(WS)/scripts/doctor.sh

check-kdir:
	$(SAY_KDIR)
	@$(DOCTOR) --quiet >&2

# make doctor [KDIR=..] [MODULE=x.ko ...] [RELEASE=..] [MODULES_ONLY=1]
doctor:
	$(SAY_KDIR)
	@$(DOCTOR) $(foreach m,$(MODULE),--module $(abspath $(m))) \
	  $(if $(RELEASE),--release '$(RELEASE)') $(if $(filter 1,$(MODULES_ONLY)),--modules-only)

# make SELF_CONTAINED=1 KDIR=<a kernel tree without Rust>: each Rust module
# carries the Rust support it needs, built from that kernel's source for its
# configuration (scripts/self-contained.sh; for kernels such as Debian's
# stock one, whose CONFIG_RUST is off). Not a Kbuild run of its own: the
# script runs Kbuild in the support tree and in KDIR.
# (KDIR_CHECKED=1: make run, whose KDIR is the workspace's kernel that make
# kernel has just checked, skips that quiet doctor; its VM run gives every
# module the doctor's module checks.)
ifeq ($(SELF_CONTAINED),1)
modules:
	$(SAY_KDIR)
	@RUSTC=$(RUSTC) BINDGEN=$(BINDGEN) $(WS)/scripts/self-contained.sh $(KDIR)
else
modules: $(if $(filter 1,$(KDIR_CHECKED)),,check-kdir)
	+$(KBUILD) modules
endif

modules_install: check-kdir
	$(if $(INSTALL_MOD_PATH),@mkdir -p $(INSTALL_MOD_PATH))
	+$(KBUILD) modules_install

# make rust-analyzer [KDIR=..] [RUST_PROJECT=file]: rust-project.json for
# editors, from the kernel's own generator (make -C KDIR M=modules
# rust-analyzer) completed by scripts/rust-analyzer.sh. After a module
# build: the bindings generated at build time are part of the project.
RUST_PROJECT ?= $(WS)/rust-project.json
RUST_ANALYZER_SH = KDIR=$(KDIR) RUSTC=$(RUSTC) $(WS)/scripts/rust-analyzer.sh
rust-analyzer: check-kdir
	@$(RUST_ANALYZER_SH) --check
	+$(KBUILD) modules
	@$(RUST_ANALYZER_SH) $(abspath $(RUST_PROJECT)) -- \
		$(KDIR_RUN) $(MAKE) -C $(KDIR) M=$(WS)/modules $(KBUILD_VARS) rust-analyzer

# Not Kbuild's own `clean` (make -C KDIR M=. clean): it deletes every
# *.o, *.ko, .*.cmd... below M=, and build/ is below it here (the cached
# kernel trees, the headers and DKMS trees). The module build outputs are
# removed by name instead: those in modules/ and the top-level ones, with
# make rust-analyzer's rust-project.json (the kernel's make clean removes
# its own too). *.bc: a kernel with CONFIG_RUST_INLINE_HELPERS (7.3) has
# rustc emit LLVM bitcode, linked with its helpers' (X.bc, X.m.bc).
MODULE_OUTPUTS := -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name '.*.d' -o -name modules.order -o -name '*.rmeta' \
	-o -name bindings_generated.rs -o -name '*.bc'
clean:
	@find $(WS)/modules \( $(MODULE_OUTPUTS) \) -type f -delete
	@cd $(WS) && rm -f Module.symvers modules.order .module-common.o \
	  ..module-common.o.cmd .Module.symvers.cmd .modules.order.cmd \
	  rust-project.json

# DKMS. dkms.conf's MAKE runs `make KDIR=<the tree> dkms-modules` in DKMS's
# copy of the sources (see scripts/dkms-conf.sh): the doctor, a check that
# the dkms.conf lists the modules Kbuild has, the build, and a check that
# it made exactly those. DKMS 3.0 appends CC=clang and LD=ld.lld to its make
# command when the tree's config says clang and lld: a generic guess (a
# plain `clang` on PATH, which Debian's clang-N does not install, or one of
# another version). The toolchain is picked for KDIR above, so for
# dkms-modules these two are not passed on to Kbuild.
ifneq ($(filter dkms-modules,$(MAKECMDGOALS)),)
  DKMS_DROPPED := $(filter CC=% LD=%,$(MAKEOVERRIDES))
  MAKEOVERRIDES := $(filter-out CC=% LD=%,$(MAKEOVERRIDES))
endif
dkms-modules: check-kdir
	@$(WS)/scripts/dkms-conf.sh --check $(WS)/dkms.conf
	$(if $(DKMS_DROPPED),@echo "make: not passed to Kbuild: $(DKMS_DROPPED) (LLVM=$(KBUILD_LLVM) is KDIR's)")
	+$(KBUILD) modules
	@$(WS)/scripts/dkms-conf.sh --check $(WS)/dkms.conf $(WS)/modules.order

# make dkms-source [DKMS_ROOT=dir]: the sources with a generated dkms.conf
# in <root>/usr/src/rust-oot-modules-<git describe>, and the dkms commands.
# make dkms-install [DKMS_KERNEL=release] [DKMS_KDIR=tree] [DKMS_ROOT=dir]:
# then dkms add, build and install (see scripts/dkms-install.sh).
DKMS_ARGS = $(if $(DKMS_KERNEL),--kernel $(DKMS_KERNEL)) \
	$(if $(DKMS_KDIR),--kdir $(DKMS_KDIR)) $(if $(DKMS_ROOT),--root $(DKMS_ROOT))
dkms-source:
	@$(WS)/scripts/dkms-install.sh --source-only $(DKMS_ARGS)

dkms-install:
	@$(WS)/scripts/dkms-install.sh $(DKMS_ARGS)

# make headers DEST=dir [KDIR=..]: package KDIR as a headers-only tree that
# builds Rust modules (see scripts/package-headers.sh).
headers:
	@test -n "$(DEST)" || { echo "usage: make headers DEST=dir [KDIR=...]" >&2; exit 2; }
	$(SAY_KDIR)
	@$(WS)/scripts/package-headers.sh --rustc $(RUSTC) $(KDIR) $(DEST)

# make rust-metadata KDIR=<Debian's stock headers>: the Rust metadata a
# Rust-enabled Debian kernel's headers leave out, rebuilt from the same
# linux-source with the stock .config and the exact tools it names (in a
# Debian environment of that release), checked against the stock
# Module.symvers, as a .deb and a folder under build/rust-metadata/RELEASE
# (see scripts/rust-metadata.sh).
rust-metadata:
	$(SAY_KDIR)
	@$(WS)/scripts/rust-metadata.sh $(KDIR)

# make deps: what every generation of KERNELS needs and the rust-analyzer
# that checks them (make check). make kernel (and run, bench) installs only
# what its own generation needs, the default generation's (whose bindgen
# makes the test programs' bindings) and the Rust packages of the programs'
# compiler (DEPS_PROGRAMS).
DEPS = DEPS_KERNELS='$(1)' DEPS_PROGRAMS='$(PROGRAMS_KERNEL)' $(WS)/scripts/install-deps.sh
deps:
	@$(call DEPS,$(KERNELS)) --rust-analyzer

kernel:
	@$(call DEPS,$(sort $(KERNEL) $(DEFAULT_KERNEL)))
	@$(WS)/scripts/build-kernel.sh

kernel-debug:
	@$(call DEPS,$(sort $(KERNEL) $(DEFAULT_KERNEL)))
	@$(WS)/scripts/build-kernel.sh debug

# Every generation's kernel (of KERNELS), or debug kernel, one after the
# other (each build uses every core).
kernels:
	@$(foreach k,$(KERNELS),$(MAKE) --no-print-directory KERNEL=$(k) kernel &&) true

kernels-debug:
	@$(foreach k,$(KERNELS),$(MAKE) --no-print-directory KERNEL=$(k) kernel-debug &&) true

# `run` and `check` always use the workspace's own kernel: it is what boots.
# Every result line is labelled with the kernel generation (and the run's
# variant: "[6.12] ...", "[6.12 headers] ..."). The fuzzer's length is
# defined here once per suite and passed down explicitly (FUZZ_OPS=N
# overrides it; FUZZ_SEED=S replays a run).
# make run is the edit loop: it tests the modules whose build or guest test
# changed since the last make run that passed (every module on the first
# run, after a failure, or when the kernel or the guest's harness changed;
# ALL=1: every module), with the misc devices' fuzzer and stress test kept
# short (RUN_FUZZ_OPS operations, RUN_STRESS_OPS per stress process).
# make run FULL=1: every module, fuzzer and stress test at make check's
# length.
CHECK_FUZZ_OPS := 200000
CHECK_STRESS_OPS := 2000
DEBUG_FUZZ_OPS := 1000000
RUN_FUZZ_OPS := 2000
RUN_STRESS_OPS := 100
# make check's headers and DKMS sets (and Debian's stock 7.3's DKMS set):
# the workspace's sources built by the same compiler as the generation's
# first set, which runs the fuzzer and the stress test at full length;
# their runs check that the packaged and DKMS-installed modules load and
# work, with the fuzzer and the stress test at make run's length.
VARIANT_OPS = --variant-ops $(or $(FUZZ_OPS),$(RUN_FUZZ_OPS)):$(RUN_STRESS_OPS)
RESULTS_LABEL := $(KERNEL_SERIES)
VM_RUN = $(WS)/tests/run-vm.sh --kdir $(1) --label '$(RESULTS_LABEL)' \
	--fuzz-ops $(or $(FUZZ_OPS),$(2)) --stress-ops $(or $(3),$(CHECK_STRESS_OPS))

# $(call HOST_SUITE,RESULTS,COMMAND): run a suite whose result lines go to
# RESULTS (COMMAND writes them there itself). When it stops before its end
# (a missing tool, say), a "not ok" line in RESULTS says so, with the error
# it died with (scripts/lib.sh's die writes it to WS_ERROR_FILE too), and
# the run goes on to its VM runs and its report, where it is counted:
# never a bare make error without a report.
HOST_SUITE = rm -f $(1).err; ( export WS_ERROR_FILE=$(1).err; $(2) ) || { s=$$?; \
	echo "not ok $(patsubst $(WS)/%,%,$(lastword $(filter %.sh,$(2)))) ran to completion \# exit status $$s$$(sed -n '$$s/^/: /p' $(1).err 2>/dev/null)" >>$(1); }

run: kernel
	@$(MAKE) --no-print-directory -j$(shell nproc) -C $(WS) KDIR=$(DEFAULT_KDIR) KDIR_CHECKED=1 modules
	@$(if $(filter 1,$(FULL)),$(call VM_RUN,$(DEFAULT_KDIR),$(CHECK_FUZZ_OPS)),$(call VM_RUN,$(DEFAULT_KDIR),$(RUN_FUZZ_OPS),$(RUN_STRESS_OPS)) \
		$(if $(filter 1,$(ALL)),,--changed-only $(BUILD_DIR)/vm/make-run.state)) --show

# make bench: the Rust misc device against its C twin and the kernel's
# floor on the generation's benchmark kernels, optimized as distribution
# kernels are (BENCH_FRAGMENTS in kernels/*.conf: performance.config, -O2),
# build/linux-<gen>-bench, and for 7.3 also build/linux-7.3-bench-no-inline,
# the same without CONFIG_RUST_INLINE_HELPERS (tests/bench/kernels.sh).
# On each: BENCH_BOOTS boots one after the other (tests/bench/run.sh; the
# intervals are over the boots), BENCH_ROUNDS rounds per boot, each batch at
# least BENCH_TARGET_US microseconds: the table and PASS/MISS per goal on
# the terminal, build/bench/linux-<gen>-bench[-no-inline]/report.md and
# chart.svg (gnuplot-nox, installed by install-deps.sh --bench); then one
# boot with QEMU counting instructions (-icount shift=0, one "ns" per guest
# instruction: exact, repeatable counts per operation), BENCH_ICOUNT_ROUNDS
# rounds, in .../linux-<gen>-bench[-no-inline]-icount/; with two kernels,
# build/bench/inlining.md, what the inlining changes per operation; for a
# generation whose Debian kernel has Rust on (7.3), the same on Debian's
# own vmlinuz with the modules built against its headers and the rebuilt
# Rust metadata, build/bench/stock-7.3[-icount]/ ("[bench stock-7.3]").
# make check runs a short one on the default generation's test kernel
# ("[bench]" results: it works, the twins agree), never judging the goals.
BENCH_BOOTS ?= 8
BENCH_ROUNDS ?= 6
BENCH_TARGET_US ?= 4000
BENCH_ICOUNT_ROUNDS ?= 6
CHECK_BENCH_BOOTS := 2
CHECK_BENCH_ROUNDS := 3
CHECK_BENCH_TARGET_US := 200
CHECK_BENCH = $(filter $(DEFAULT_KERNEL),$(KERNEL))
BENCH_RUN = $(WS)/tests/bench/run.sh --rounds $(1) \
	--target-us $(2) --out $(BUILD_DIR)/$(3) $(4)
bench:
	@$(call DEPS,$(sort $(KERNEL) $(DEFAULT_KERNEL)))
	@$(WS)/scripts/install-deps.sh --bench
	@mkdir -p $(BUILD_DIR)/bench
	@rm -f $(BUILD_DIR)/bench/report.list; : >$(BUILD_DIR)/bench/kernels-results.log
	@$(call HOST_SUITE,$(BUILD_DIR)/bench/kernels-results.log,$(WS)/tests/bench/kernels.sh \
		--boots $(BENCH_BOOTS) --rounds $(BENCH_ROUNDS) --target-us $(BENCH_TARGET_US) \
		--icount-rounds $(BENCH_ICOUNT_ROUNDS))
	@echo '$(BUILD_DIR)/bench/kernels-results.log:bench' >>$(BUILD_DIR)/bench/report.list
	@$(call REPORT,$(BUILD_DIR)/bench/report.list)

# make check: the whole suite on every kernel generation of KERNELS (all of
# kernels/*.conf; KERNELS=6.1 for one), then one KTAP report. Side by side,
# since none touches what another builds:
# - once for all generations, in two lines: the checks that do not depend
#   on the generation (tests/workspace-checks.sh: unit tests, shellcheck)
#   and the paths make refuses (tests/path-cases.sh: a few seconds,
#   nothing built); the doctor's cases (every generation in one run) and
#   make rust-analyzer checked by Debian's packaged rust-analyzer on every
#   generation (tests/rust-analyzer-cases.sh, in copies of the sources; the
#   progress lines of the Debian 13 root it makes for it once go to the
#   terminal through fd 3);
# - each generation's host part (check-generation-host: its host checks,
#   which build the workspace's own module folders, and its DKMS cases),
#   one generation after the other, the default generation first: its
#   VM part is the longest;
# - each generation's VM part (check-generation-vms), started as soon as
#   its host part ends, beside the next generation's host part: it tests a
#   copy of the modules that host part built.
#
# The wall time of each part (every long step of the scripts, each suite
# with its CPU time, each VM run) is recorded in WS_TIMES (scripts/timed.sh,
# part_time in scripts/lib.sh) and printed as a table at the end of the
# report, with the whole run's wall and CPU time (RUN_CPU).
REPORT_LIST := $(BUILD_DIR)/logs/check-reports.list
REPORT = tr '\n' '\0' <$(1) | xargs -0 $(WS)/tests/ktap-report.sh $(2)
ONCE_RESULTS := $(BUILD_DIR)/logs/workspace-results.log
DOCTOR_RA_RESULTS := $(BUILD_DIR)/logs/doctor-ra-results.log
TIMED = $(WS)/scripts/timed.sh
# $(call START_TIMES,FILE): a run's times start afresh in FILE (WS_TIMES),
# its start in FILE.t0 (the report's "whole run").
START_TIMES = mkdir -p $(BUILD_DIR)/logs && rm -f $(1) $(1).cpu && date +%s >$(1).t0
# $(call RUN_CPU,FILE): the CPU seconds of the run so far in FILE.cpu: the
# user and system time of this make's children, each recipe line and all
# it waited for (/proc/PID/stat's cutime and cstime, after "PID (comm) ").
RUN_CPU = awk -v hz=$$(getconf CLK_TCK) '{ sub(/^.*\) /, ""); printf "%d\n", ($$14 + $$15) / hz + 0.5 }' \
	/proc/$$PPID/stat >$(1).cpu || rm -f $(1).cpu
CHECK_TIMES := $(BUILD_DIR)/logs/check-times.log
# The generations in the order make check runs their parts: the default
# one first, then the others from the newest.
CHECK_ORDER = $(filter $(DEFAULT_KERNEL),$(KERNELS)) \
	$(filter-out $(DEFAULT_KERNEL),$(shell printf '%s\n' $(KERNELS) | sort -rV))
check: export WS_TIMES := $(CHECK_TIMES)
check:
	@$(call START_TIMES,$(CHECK_TIMES))
	@$(call DEPS,$(KERNELS)) --rust-analyzer
	@$(MAKE) --no-print-directory kernels
	@rm -f $(REPORT_LIST) $(REPORT_LIST).*
	@{ $(TIMED) "workspace checks" $(WS)/tests/workspace-checks.sh && \
		$(TIMED) "path cases" $(WS)/tests/path-cases.sh || \
		echo "not ok workspace checks and path cases ran to completion # exit status $$?"; \
		} >$(ONCE_RESULTS) 2>$(BUILD_DIR)/logs/workspace-checks.err & once=$$!; \
	{ $(TIMED) "doctor cases" $(WS)/tests/doctor-cases.sh && \
		PROGRESS_FD=3 $(TIMED) "rust-analyzer cases" $(WS)/tests/rust-analyzer-cases.sh || \
		echo "not ok doctor and rust-analyzer cases ran to completion # exit status $$?"; \
		} 3>&1 >$(DOCTOR_RA_RESULTS) 2>$(BUILD_DIR)/logs/doctor-ra-cases.err & once2=$$!; \
	status=0; vms=; \
	for k in $(CHECK_ORDER); do \
		$(MAKE) --no-print-directory KERNEL=$$k check-generation-host || { status=$$?; break; }; \
		$(MAKE) --no-print-directory KERNEL=$$k check-generation-vms \
			REPORT_LIST=$(REPORT_LIST).$$k & vms="$$vms $$!"; \
	done; \
	for p in $$vms; do wait $$p || status=$$?; done; \
	wait $$once; wait $$once2; exit $$status
	@{ echo $(ONCE_RESULTS); echo $(DOCTOR_RA_RESULTS); \
		cat $(foreach k,$(KERNELS),$(REPORT_LIST).$(k)); } >$(REPORT_LIST)
	@$(call RUN_CPU,$(CHECK_TIMES))
	@$(call REPORT,$(REPORT_LIST),--times $(CHECK_TIMES))

# One generation's part of make check (KERNEL=..); with REPORT_LIST its
# results are listed there for one report, else reported now. Its host
# part (check-generation-host), then its VM part (check-generation-vms).
# The host part: the DKMS cases (their own copy of the sources) beside the
# host checks (which build the workspace's module folders), then a copy of
# the built module folders for the VM part (CHECK_MODULES), which so reads
# nothing the next generation's host part rebuilds. The VM part: the
# default generation's short benchmark (one VM) beside the VM runs (one VM
# at a time), both only reading that copy; then, for the default
# generation, a module added by the README's recipe in a copy of the
# sources (NEW_MODULE_RUN below: a build, then one VM run) and last the
# self-contained modules on Debian's stock kernel (STOCK_RUN below: its
# builds, then one VM). (Both parts without the kernel prerequisite: make
# check builds every kernel first.)
LISTED := $(filter command line,$(origin REPORT_LIST))
GENERATION_LIST = $(if $(LISTED),$(REPORT_LIST),$(BUILD_DIR)/logs/$(KERNEL)/check-reports.list)
HOST_RESULTS = $(BUILD_DIR)/logs/$(KERNEL)/host-results.log
CHECK_MODULES = $(BUILD_DIR)/check-modules/$(KERNEL)
check-generation: kernel
	@$(MAKE) --no-print-directory check-generation-host
	@$(MAKE) --no-print-directory check-generation-vms

check-generation-host:
	@mkdir -p $(BUILD_DIR)/logs/$(KERNEL)
	@{ $(call HOST_SUITE,$(DKMS_RESULTS),$(TIMED) "[$(KERNEL_SERIES)] dkms cases" $(DKMS_CASES)); } & dkms=$$!; \
	$(call HOST_SUITE,$(HOST_RESULTS),$(TIMED) "[$(KERNEL_SERIES)] host checks" $(WS)/tests/host-checks.sh \
		>$(HOST_RESULTS)); \
	wait $$dkms
	@rm -rf $(CHECK_MODULES) && mkdir -p $(CHECK_MODULES) && cp -a $(WS)/modules $(CHECK_MODULES)/

check-generation-vms:
	@mkdir -p $(BUILD_DIR)/logs/$(KERNEL) $(BUILD_DIR)/bench-check
	@$(if $(LISTED),,rm -f $(GENERATION_LIST);) status=0; \
	$(if $(CHECK_BENCH),{ $(call HOST_SUITE,$(BUILD_DIR)/bench-check/results.log,$(TIMED) "[$(KERNEL_SERIES)] short benchmark" $(call BENCH_RUN,$(CHECK_BENCH_ROUNDS),$(CHECK_BENCH_TARGET_US),bench-check,--boots $(CHECK_BENCH_BOOTS) --modules $(CHECK_MODULES)/modules) \
		>$(BUILD_DIR)/bench-check/results.log); } & bench=$$!;) \
	$(call VM_RUN,$(DEFAULT_KDIR),$(CHECK_FUZZ_OPS)) $(VARIANT_OPS) \
		--host-results $(HOST_RESULTS) \
		--modules $(CHECK_MODULES)/modules \
		--modules $(BUILD_DIR)/headers-$(KERNEL)/modules:headers \
		$(DKMS_VM_ARGS) --report-list $(GENERATION_LIST) || status=$$?; \
	$(if $(CHECK_NEW_MODULE),$(call HOST_SUITE,$(NEW_MODULE_RESULTS),$(NEW_MODULE_RUN)); \
		echo '$(NEW_MODULE_RESULTS):$(NEW_MODULE_LABEL)' >>$(GENERATION_LIST);) \
	$(if $(CHECK_STOCK),$(call STOCK_RUN,$(GENERATION_LIST)) || status=$$?;) \
	$(if $(CHECK_BENCH),wait $$bench || status=$$?; \
		echo '$(BUILD_DIR)/bench-check/results.log:bench' >>$(GENERATION_LIST);) \
	exit $$status
	@$(if $(LISTED),,$(call REPORT,$(GENERATION_LIST)))

# The README's "Adding a module" followed in a copy of the sources
# (tests/new-module-cases.sh): the module its commands add, built with the
# others and tested in one VM run of the copy with a short fuzzer; the
# run's results must be the workspace's own run's (VM_RUN above, whose
# results it reads) plus the new module's ("[6.12 new-module]" results).
# For the default generation. make check-new-module: only this, after a
# run of the workspace's modules with the same short fuzzer.
CHECK_NEW_MODULE = $(filter $(DEFAULT_KERNEL),$(KERNEL))
NEW_MODULE_FUZZ_OPS := 2000
NEW_MODULE_LABEL = $(RESULTS_LABEL) new-module
NEW_MODULE_RESULTS = $(BUILD_DIR)/logs/$(KERNEL)/new-module-results.log
NEW_MODULE_RUN = $(TIMED) "[$(NEW_MODULE_LABEL)] new module cases" \
	$(WS)/tests/new-module-cases.sh --fuzz-ops $(NEW_MODULE_FUZZ_OPS) \
	$(BUILD_DIR)/logs/results-$(RESULTS_LABEL).log >$(NEW_MODULE_RESULTS)
NEW_MODULE_LIST = $(BUILD_DIR)/logs/$(KERNEL)/check-new-module.list
check-new-module: kernel
	@mkdir -p $(BUILD_DIR)/logs/$(KERNEL)
	@$(MAKE) --no-print-directory -C $(WS) KDIR=$(DEFAULT_KDIR) modules
	@rm -f $(NEW_MODULE_LIST)
	@$(call VM_RUN,$(DEFAULT_KDIR),$(NEW_MODULE_FUZZ_OPS)) --report-list $(NEW_MODULE_LIST)
	@$(call HOST_SUITE,$(NEW_MODULE_RESULTS),$(NEW_MODULE_RUN))
	@echo '$(NEW_MODULE_RESULTS):$(NEW_MODULE_LABEL)' >>$(NEW_MODULE_LIST)
	@$(call REPORT,$(NEW_MODULE_LIST))

# The modules on Debian's stock kernel of a generation whose description
# says how (STOCK_CHECK): self-contained (6.12, Rust off: make
# SELF_CONTAINED=1 KDIR=<its headers>, tests/stock-cases.sh) or
# rust-metadata (7.3, Rust on without metadata in its headers: make
# rust-metadata, then make KDIR=<headers + metadata>,
# tests/stock-rust-cases.sh). The cases' build checks, then a VM run of
# Debian's own vmlinuz with those modules and the whole guest suite
# ("[stock-6.12]", "[stock-7.3]" results). make check-stock: only these.
# $(call STOCK_RUN,[REPORT_LIST]): without the VM's arguments (the stock
# cases stopped before they had modules for Debian's kernel) only the
# cases' results are reported.
CHECK_STOCK = $(filter self-contained rust-metadata,$(WS_STOCK_CHECK))
STOCK_CASES = $(WS)/tests/$(if $(filter rust-metadata,$(CHECK_STOCK)),stock-rust-cases.sh,stock-cases.sh)
STOCK_LOGS = $(BUILD_DIR)/logs/$(KERNEL)
STOCK_RESULTS = $(STOCK_LOGS)/stock-results.log
STOCK_LABEL = stock-$(KERNEL_SERIES)
STOCK_RUN = rm -f $(STOCK_LOGS)/stock-vm-args; $(call HOST_SUITE,$(STOCK_RESULTS),$(TIMED) "[$(STOCK_LABEL)] stock cases" \
		$(STOCK_CASES) $(STOCK_RESULTS) $(STOCK_LOGS)/stock-vm-args); \
	if [ -s $(STOCK_LOGS)/stock-vm-args ]; then \
		$(WS)/tests/run-vm.sh $$(cat $(STOCK_LOGS)/stock-vm-args) --label '$(STOCK_LABEL)' \
			--fuzz-ops $(or $(FUZZ_OPS),$(CHECK_FUZZ_OPS)) $(VARIANT_OPS) --host-results $(STOCK_RESULTS) \
			$(if $(1),--report-list $(1)); \
	else \
		$(if $(1),echo '$(STOCK_RESULTS):$(STOCK_LABEL)' >>$(1),$(WS)/tests/ktap-report.sh '$(STOCK_RESULTS):$(STOCK_LABEL)'); \
	fi
ifneq ($(filter check-stock,$(MAKECMDGOALS)),)
  $(if $(CHECK_STOCK),,$(error make check-stock: kernels/$(KERNEL).conf has no STOCK_CHECK; give KERNEL= one of: $(basename $(notdir $(shell grep -l '^STOCK_CHECK=' $(WS)/kernels/*.conf)))))
endif
check-stock: kernel
	@mkdir -p $(STOCK_LOGS)
	@$(call STOCK_RUN,)

# make check-dkms [KERNEL=..]: DKMS on its own, as check-generation runs it
# (tests/dkms-cases.sh): the workspace's kernel as an installed headers
# package in a private root, make dkms-install there, then a VM run that
# loads the DKMS-installed modules with modprobe ("[6.12 dkms]" results).
DKMS_RELEASE = $(shell cat $(DEFAULT_KDIR)/include/config/kernel.release)
DKMS_RESULTS = $(BUILD_DIR)/logs/$(KERNEL)/dkms-results.log
DKMS_CASES = $(WS)/tests/dkms-cases.sh >$(DKMS_RESULTS)
DKMS_VM_ARGS = --host-results $(DKMS_RESULTS) \
	--lib-modules $(BUILD_DIR)/dkms/$(KERNEL)/root/lib/modules/$(DKMS_RELEASE):dkms
check-dkms: kernel
	@mkdir -p $(BUILD_DIR)/logs/$(KERNEL)
	@$(call HOST_SUITE,$(DKMS_RESULTS),$(DKMS_CASES))
	@$(call VM_RUN,$(DEFAULT_KDIR),$(CHECK_FUZZ_OPS)) $(VARIANT_OPS) $(DKMS_VM_ARGS)

# make check-rust-analyzer: only the rust-analyzer cases, as make check runs
# them (tests/rust-analyzer-cases.sh: every generation of KERNELS).
RA_RESULTS := $(BUILD_DIR)/logs/rust-analyzer-results.log
check-rust-analyzer: deps
	@$(foreach k,$(KERNELS),$(MAKE) --no-print-directory KERNEL=$(k) kernel &&) true
	@mkdir -p $(BUILD_DIR)/logs
	@$(call HOST_SUITE,$(RA_RESULTS),PROGRESS_FD=3 $(WS)/tests/rust-analyzer-cases.sh 3>&1 >$(RA_RESULTS))
	@$(WS)/tests/ktap-report.sh $(RA_RESULTS)

# make check-doctor: only the doctor's cases, as make check runs them
# (tests/doctor-cases.sh: every generation of KERNELS whose tree is built).
DOCTOR_RESULTS := $(BUILD_DIR)/logs/doctor-results.log
check-doctor:
	@mkdir -p $(BUILD_DIR)/logs
	@$(call HOST_SUITE,$(DOCTOR_RESULTS),$(WS)/tests/doctor-cases.sh >$(DOCTOR_RESULTS))
	@$(WS)/tests/ktap-report.sh $(DOCTOR_RESULTS)

# make check-debug: the suite on every generation's debug kernel (KASAN,
# kmemleak, lockdep, failslab): the modules built against it from a copy of
# the sources, panic_on_warn, expedited RCU grace periods (each module
# unload waits for some), two vCPUs (single-threaded TCG), and the
# guest's debug tests (CYCLES load/unload cycles per Rust module, C_CYCLES
# per C twin, failing allocations, kmemleak, 1,000,000 fuzzed operations);
# "[6.12 debug]" results. A lone generation's run (KERNELS=7.3, as CI's)
# is split over DEBUG_VM_PARTS=2 VMs side by side (tests/run-vm.sh
# --parts; "[7.3 debug 1/2]", "[7.3 debug 2/2]"), the modules' debug tests
# shared out among them, so that it uses both cores; with several
# generations their VMs already do (one part each). The
# kernels are built one after the other (each build uses every core), then
# the generations' runs go side by side (each VM is one host thread), each
# logged to build/logs/<label>/check-debug.log, and reported together.
DEBUG_KDIR := $(DEFAULT_KDIR)-debug
CYCLES ?= 1000
C_CYCLES ?= 100
DEBUG_VM_PARTS ?= $(if $(filter 1,$(words $(KERNELS))),2,1)
DEBUG_TIMES := $(BUILD_DIR)/logs/check-debug-times.log
DEBUG_LISTS = $(foreach k,$(KERNELS),$(BUILD_DIR)/logs/$(k)/check-debug-reports.list)
check-debug: export WS_TIMES := $(DEBUG_TIMES)
check-debug:
	@$(call START_TIMES,$(DEBUG_TIMES))
	@$(call DEPS,$(KERNELS))
	@$(MAKE) --no-print-directory kernels-debug
	@mkdir -p $(foreach k,$(KERNELS),$(BUILD_DIR)/logs/$(k))
	@rm -f $(DEBUG_LISTS)
	@$(WS)/tests/vm/build-programs.sh $(BUILD_DIR)/vm/bin $(BUILD_DIR)/vm/work >/dev/null
	@$(MAKE) --no-print-directory -j$(words $(KERNELS)) \
		$(addprefix check-debug-in-parallel-,$(KERNELS))
	@cat $(DEBUG_LISTS) >$(BUILD_DIR)/logs/check-debug-reports.list
	@$(call RUN_CPU,$(DEBUG_TIMES))
	@$(call REPORT,$(BUILD_DIR)/logs/check-debug-reports.list,--times $(DEBUG_TIMES))

check-debug-in-parallel-%:
	@echo "[check-debug] $*: started, log in $(BUILD_DIR)/logs/$*/check-debug.log"
	@t0=$$(date +%s); $(MAKE) -j1 --no-print-directory KERNEL=$* check-debug-generation \
		REPORT_LIST=$(BUILD_DIR)/logs/$*/check-debug-reports.list DEBUG_VM_PARTS=$(DEBUG_VM_PARTS) \
		>$(BUILD_DIR)/logs/$*/check-debug.log 2>&1 || \
		{ tail -n 20 $(BUILD_DIR)/logs/$*/check-debug.log; exit 1; }; \
		echo "[check-debug] $*: done in $$(($$(date +%s) - t0)) s"

check-debug-generation: kernel-debug
	@mkdir -p $(BUILD_DIR)/logs/$(KERNEL)
	@$(call HOST_SUITE,$(BUILD_DIR)/logs/$(KERNEL)/debug-host-results.log,$(TIMED) "[$(KERNEL_SERIES) debug] module builds" \
		$(WS)/tests/variant-modules.sh $(DEBUG_KDIR) $(BUILD_DIR)/debug-$(KERNEL)/src debug \
		>$(BUILD_DIR)/logs/$(KERNEL)/debug-host-results.log)
	@VM_TIMEOUT=$${VM_TIMEOUT:-2400} VM_MEMORY=$${VM_MEMORY:-1G} \
		$(call VM_RUN,$(DEBUG_KDIR),$(DEBUG_FUZZ_OPS)) --debug --parts $(DEBUG_VM_PARTS) \
		--append "panic_on_warn=1 rcupdate.rcu_expedited=1 ws.cycles=$(CYCLES) ws.c_cycles=$(C_CYCLES)" \
		--host-results $(BUILD_DIR)/logs/$(KERNEL)/debug-host-results.log \
		--modules $(BUILD_DIR)/debug-$(KERNEL)/src/modules:debug \
		$(if $(REPORT_LIST),--report-list $(REPORT_LIST))

help:
	@echo 'Out-of-tree Rust kernel modules'
	@echo
	@echo 'Building modules (against KDIR, default $(DEFAULT_KDIR)):'
	@echo '  make [LLVM=1] [KDIR=/path/to/kernel/build]   build every module in modules/'
	@echo '  make SELF_CONTAINED=1 KDIR=<kernel without Rust>  modules that carry their own Rust support'
	@echo '                                               (Debian'"'"'s stock kernel; built from its linux-source)'
	@echo '  make clean                                   remove module build outputs'
	@echo '  make modules_install [INSTALL_MOD_PATH=dir]  install the .ko files under lib/modules/'
	@echo '  make headers DEST=dir                        package KDIR as a headers tree with its Rust metadata'
	@echo '  make rust-metadata KDIR=<Debian headers>     rebuild the Rust metadata a Rust-enabled Debian kernel'"'"'s'
	@echo '                                               headers lack: a .deb and a folder in build/rust-metadata/'
	@echo '  make doctor [KDIR=..] [MODULE=x.ko] [RELEASE=..]  check KDIR, the toolchain (and a .ko) with fixes'
	@echo '  make doctor MODULES_ONLY=1 MODULE=x.ko  the .ko against KDIR only, not the toolchain'
	@echo '  make rust-analyzer [KDIR=..]                 rust-project.json for editors (modules, tests, KDIR'"'"'s crates)'
	@echo '  make dkms-install [DKMS_KERNEL=release] [DKMS_KDIR=tree] [DKMS_ROOT=dir]'
	@echo '                                               dkms add, build and install the modules (dkms.conf generated)'
	@echo '  make dkms-source [DKMS_ROOT=dir]             only the sources with dkms.conf in /usr/src, and the dkms commands'
	@echo
	@echo 'Workspace kernel and tests:'
	@echo '  make deps     install what every kernel generation needs (idempotent)'
	@echo '  make kernel [KERNEL=..]  build the Linux $(KERNEL_SERIES) test kernel (cached under build/);'
	@echo '                KERNEL is one of kernels/*.conf: $(KNOWN_KERNELS)'
	@echo '  make run      deps + kernel + modules, boot QEMU, test the modules that changed since the'
	@echo '                last run that passed (all on a first run), show their log; short fuzzer'
	@echo '                ($(RUN_FUZZ_OPS) ops) and stress test (8 x $(RUN_STRESS_OPS) ops), the edit loop'
	@echo '  make run ALL=1   every module, same short tests'
	@echo '  make run FULL=1  every module with make check'"'"'s fuzzer ($(CHECK_FUZZ_OPS) ops) and stress test (8 x $(CHECK_STRESS_OPS))'
	@echo '  make check    the whole test suite in QEMU, KTAP output, non-zero exit on failure,'
	@echo '                the wall (and CPU) time of each part at the end'
	@echo '  make check-dkms  only the DKMS tests: install into a private root, modprobe in QEMU'
	@echo '  make check-rust-analyzer  only make rust-analyzer checked by Debian'"'"'s packaged rust-analyzer'
	@echo '  make check-doctor  only the doctor'"'"'s cases on every generation of KERNELS'
	@echo '  make check-stock [KERNEL=..]  only the modules on Debian'"'"'s stock kernel, in QEMU: 6.12 self-contained,'
	@echo '                7.3 with its Rust metadata rebuilt (make rust-metadata)'
	@echo '  make check-new-module  only a module added by the README'"'"'s commands to a copy, built and run in QEMU'
	@echo '  make kernel-debug, make check-debug   the same on a KASAN/kmemleak/lockdep kernel,'
	@echo '                with load/unload cycles ($(CYCLES) per Rust module, $(C_CYCLES) per C twin: CYCLES=, C_CYCLES=),'
	@echo '                allocation failures and 1,000,000 fuzzed ops'
	@echo '  make kernels, make kernels-debug   every generation'"'"'s kernel (KERNELS=...), one after the other'
	@echo '  make bench    rust_misc vs its C twin c_misc vs the kernel floor in QEMU: table,'
	@echo '                on the -O2 bench kernels (7.3: with and without CONFIG_RUST_INLINE_HELPERS),'
	@echo '                timed and in exact instruction counts; build/bench/*/report.md, chart.svg,'
	@echo '                inlining.md [BENCH_BOOTS=8 BENCH_ROUNDS=6 BENCH_TARGET_US=4000 BENCH_ICOUNT_ROUNDS=6]'
	@echo
	@echo 'Toolchain passed to Kbuild (KDIR is Linux $(or $(KDIR_SERIES),?), $(if $(WS_KERNEL_CONF),described by kernels/$(notdir $(WS_KERNEL_CONF)),a generation with no kernels/*.conf)):'
	@echo '  RUSTC=$(RUSTC)'
	@echo '  BINDGEN=$(BINDGEN) (LIBCLANG_PATH=$(LIBCLANG_PATH))'
	@echo '  LLVM=$(KBUILD_LLVM)'
