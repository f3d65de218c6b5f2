#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Complete the kernel's rust-project.json for this workspace.

The kernel's generator (scripts/generate_rust_analyzer.py, run by
`make -C KDIR M=<workspace>/modules rust-analyzer`) lists the kernel's
crates and finds the module crate roots named by the modules' Kbuild files.
What a module crate is compiled with beyond that, it does not know; this
script adds it (scripts/rust-analyzer.sh passes each item, read from KDIR
and the workspace's Kbuild files):

  --cfg NAME            a cfg of every module crate (--cfg ws_has_kvec,
                        from the top-level Kbuild's subdir-rustflags-y)
  --crate-attr ATTR     a crate attribute Kbuild gives every module crate
                        (-Zcrate-attr=no_std of KDIR's scripts/Makefile.build)
  --module-dep NAME     a crate every module crate may name (KDIR's
                        scripts/Makefile.build: --extern alloc on 6.1)
  --kbuild-env FILE     a Kbuild file whose `$(obj)/X.o: export NAME =
                        $(abspath $(obj)/FILE)` lines set NAME for the crate
                        whose root is X.rs (the include!(env!(..)) paths of
                        generated bindings)
  --rebuild-proc-macros RUSTC DIR
                        build every proc-macro crate of the kernel's
                        project (macros; pin_init_internal, zerocopy_derive
                        on later kernels) again with RUSTC, with the
                        library crates they use (proc_macro2, quote, syn),
                        into DIR, and point the project at those: the
                        editor's proc-macro server loads only libraries its
                        own rustc built, and another rustc built the
                        kernel's
  --sysroot PATH        the toolchain whose standard library and tools
                        (proc-macro server) rust-analyzer uses (required)
  --test-crate PATH     a userspace program's crate root (std, edition
                        2021, as tests/lib/rust-program.sh builds it)
  --test-env NAME=PATH  an environment variable of every test crate

The standard library: the generator lists core, alloc, std and proc_macro
as crates of the project, which rust-analyzer then takes for ordinary
crates (their inherent impls on primitive types, `impl str`, `impl [T]`,
are refused as incoherent: no `len()` on a slice). They are dropped here,
and the project names the sysroot and its library sources instead:
rust-analyzer loads those as the language's own crates and makes every
crate depend on core, alloc and std (a crate's own dependency of the same
name, such as the kernel's `alloc` on 6.1, still wins).

Usage: rust_project.py KERNEL_PROJECT WORKSPACE --sysroot PATH [options]
"""

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys

# `$(obj)/rust_misc_main.o: export RUST_MISC_BINDINGS = $(abspath $(obj)/x.rs)`
KBUILD_EXPORT = re.compile(
    r"^\$\(obj\)/(?P<root>[\w-]+)\.o:\s*export\s+(?P<name>\w+)\s*:?=\s*"
    r"\$\(abspath \$\(obj\)/(?P<file>[^)]+)\)\s*$"
)


def kbuild_env(kbuild):
    """{crate root path: {NAME: value}} from one Kbuild file."""
    found = {}
    folder = kbuild.parent.resolve()
    for line in kbuild.read_text().splitlines():
        match = KBUILD_EXPORT.match(line)
        if match:
            root = str(folder / (match["root"] + ".rs"))
            found.setdefault(root, {})[match["name"]] = str(folder / match["file"])
    return found


def source_dirs(folders, env):
    """rust-project.json's `source` of a crate: FOLDERS and the folder of
    each file named by its environment (an include!(env!(..)) target)."""
    dirs = [str(folder) for folder in folders]
    for path in env.values():
        folder = str(pathlib.Path(path).parent)
        if not any(folder == d or folder.startswith(d + "/") for d in dirs):
            dirs.append(folder)
    return {"include_dirs": dirs, "exclude_dirs": []}


def without_standard_library(crates):
    """CRATES without the generator's copies of the standard library (the
    crates it marks as outside its workspace), dependencies renumbered and
    those on the dropped crates removed."""
    kept = [i for i, crate in enumerate(crates) if crate["is_workspace_member"]]
    new_index = {old: new for new, old in enumerate(kept)}
    result = []
    for old in kept:
        crate = crates[old]
        crate["deps"] = [
            {"crate": new_index[dep["crate"]], "name": dep["name"]}
            for dep in crate["deps"] if dep["crate"] in new_index
        ]
        result.append(crate)
    return result


def rebuild_proc_macros(crates, rustc, out):
    """Build each proc-macro crate of CRATES (the generator's list, with
    its standard library crates, those outside its workspace) and the
    crates it depends on with RUSTC into OUT, as Kbuild builds them (the
    crate's cfgs and edition, --extern per dependency), and set its
    proc_macro_dylib_path to the result."""
    out.mkdir(parents=True, exist_ok=True)
    built = {}

    def build(index):
        if index in built:
            return built[index]
        crate = crates[index]
        proc_macro = crate.get("is_proc_macro", False)
        args = [rustc, "--edition", crate.get("edition", "2021"),
                "--crate-name", crate["display_name"], "--cap-lints", "allow",
                "--crate-type", "proc-macro" if proc_macro else "rlib",
                "-L", f"dependency={out}"]
        if proc_macro:
            args += ["-C", "prefer-dynamic"]
        for cfg in crate["cfg"]:
            args += ["--cfg", cfg]
        for dep in crate["deps"]:
            target = crates[dep["crate"]]
            if not target["is_workspace_member"]:
                # The standard library: only proc_macro is not implicit.
                if target["display_name"] == "proc_macro":
                    args += ["--extern", "proc_macro"]
                continue
            args += ["--extern", f"{dep['name']}={build(dep['crate'])}"]
        name = crate["display_name"]
        path = out / (f"lib{name}.so" if proc_macro else f"lib{name}.rlib")
        log = out / f"{name}.log"
        # The kernel builds them with unstable features allowed, as here.
        with open(log, "w") as log_file:
            if subprocess.run(args + ["-o", str(path), crate["root_module"]],
                              stdout=log_file, stderr=subprocess.STDOUT,
                              env={**os.environ, "RUSTC_BOOTSTRAP": "1"}).returncode:
                raise RuntimeError(f"building the kernel's {name} crate with {rustc} failed (log: {log})")
        built[index] = str(path)
        return built[index]

    # A crate this rustc cannot build (7.3's macros use a proc_macro API
    # later compilers dropped) keeps the kernel's library, which the editor
    # then cannot load: said, and the rest of the project still written.
    for index, crate in enumerate(crates):
        if crate.get("is_proc_macro"):
            try:
                crate["proc_macro_dylib_path"] = build(index)
            except RuntimeError as error:
                print(f"rust_project.py: warning: {error}; its macros stay unexpanded", file=sys.stderr)


def index_of(crates, name):
    """The index of the last crate called `name` (the generator's own rule:
    a later crate of the same name replaces an earlier one)."""
    found = [i for i, crate in enumerate(crates) if crate["display_name"] == name]
    if not found:
        sys.exit(f"rust_project.py: the kernel's rust-project.json has no crate '{name}'")
    return found[-1]


def test_crate_name(root):
    """A name for a test program's crate: its folder, and its file when the
    folder has several programs (tests/modules/rust_misc/stress.rs:
    rust_misc_stress)."""
    folder = root.parent.name.replace("-", "_")
    stem = root.stem
    return folder if stem in ("main", folder) else f"{folder}_{stem}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernel_project", type=pathlib.Path)
    parser.add_argument("workspace", type=pathlib.Path)
    parser.add_argument("--sysroot", required=True)
    parser.add_argument("--cfg", action="append", default=[])
    parser.add_argument("--crate-attr", action="append", default=[])
    parser.add_argument("--module-dep", action="append", default=[])
    parser.add_argument("--kbuild-env", action="append", default=[], type=pathlib.Path)
    parser.add_argument("--rebuild-proc-macros", nargs=2, metavar=("RUSTC", "DIR"))
    parser.add_argument("--test-crate", action="append", default=[], type=pathlib.Path)
    parser.add_argument("--test-env", action="append", default=[])
    args = parser.parse_args()

    project = json.loads(args.kernel_project.read_text())
    # Later kernels (7.3) name an external module's crate roots relative to
    # the module tree the generator ran in, M= (the workspace's modules/).
    for crate in project["crates"]:
        if not pathlib.Path(crate["root_module"]).is_absolute():
            crate["root_module"] = str(args.workspace.resolve() / "modules" / crate["root_module"])
    if args.rebuild_proc_macros:
        rustc, out = args.rebuild_proc_macros
        rebuild_proc_macros(project["crates"], rustc, pathlib.Path(out))
    crates = without_standard_library(project["crates"])
    project["crates"] = crates
    project["sysroot"] = args.sysroot
    project["sysroot_src"] = f"{args.sysroot}/lib/rustlib/src/rust/library"

    modules_dir = (args.workspace / "modules").resolve()
    env_by_root = {}
    for kbuild in args.kbuild_env:
        env_by_root.update(kbuild_env(kbuild))

    # The kernel's crates are the editor's libraries, browsed as
    # dependencies are, not diagnosed; its workspace is the modules and
    # the test programs.
    for crate in crates:
        crate["is_workspace_member"] = False
    module_crates = [
        crate for crate in crates
        if pathlib.Path(crate["root_module"]).resolve().is_relative_to(modules_dir)
    ]
    if not module_crates:
        sys.exit(f"rust_project.py: the kernel's generator found no module crate in {modules_dir}")
    for crate in module_crates:
        crate["is_workspace_member"] = True
        crate["cfg"] += [c for c in args.cfg if c not in crate["cfg"]]
        attrs = crate.setdefault("crate_attrs", [])
        attrs += [a for a in args.crate_attr if a not in attrs]
        for name in args.module_dep:
            if all(dep["name"] != name for dep in crate["deps"]):
                crate["deps"].append({"crate": index_of(crates, name), "name": name})
        root = str(pathlib.Path(crate["root_module"]).resolve())
        env = env_by_root.pop(root, {})
        crate["env"].update(env)
        # A crate's files are those below its source folders: all of
        # modules/ (modules include ../common by path), and the folders of
        # the files its environment names (generated bindings).
        crate["source"] = source_dirs([modules_dir], env)
    if env_by_root:
        sys.exit("rust_project.py: Kbuild exports for crate roots the kernel's generator "
                 f"did not list: {', '.join(sorted(env_by_root))}")

    test_env = dict(item.split("=", 1) for item in args.test_env)
    tests_dir = (args.workspace / "tests").resolve()
    for root in args.test_crate:
        root = root.resolve()
        crates.append({
            "display_name": test_crate_name(root),
            "root_module": str(root),
            "is_workspace_member": True,
            "is_proc_macro": False,
            "deps": [],
            "cfg": [],
            "edition": "2021",
            "env": dict(test_env),
            "source": source_dirs([tests_dir], test_env),
        })

    json.dump(project, sys.stdout, sort_keys=True, indent=4)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
