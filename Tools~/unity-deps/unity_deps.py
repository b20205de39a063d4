#!/usr/bin/env python3
"""Assembles the DLLs the package needs in Unity from the NuGet cache (standard library only).

Unity cannot restore NuGet packages, and the repository must stay small, so the managed assemblies and the
native ONNX Runtime libraries are NOT committed (Plugins/ is in .gitignore). This script copies them from the
NuGet cache into Plugins/ with importer .meta files (per-platform settings, deterministic GUIDs as in
Tools~/meta/unity_meta.py). Versions come from Tools~/dotnet/Directory.Packages.props: the managed closure is
the one NuGet resolved for the netstandard2.1 runtime project (its project.assets.json), checked against the
pins. Decisions and layout: docs/unity-packaging.md.

  unity_deps.py                     assemble Plugins/ (CPU ONNX Runtime for win-x64, linux-x64, osx-arm64)
  unity_deps.py --check             exit 1 listing what is missing, stale or different in Plugins/
  unity_deps.py --gpu cuda-linux-x64|cuda-win-x64|directml-win-x64
                                    use that GPU build of ONNX Runtime for its platform (restore it first:
                                    dotnet restore "Tools~/dotnet/UnityGpuRestore" -p:Gpu=<same value>)
  --platforms win-x64,linux-x64,osx-arm64,android   native platforms to include (default: the first three)
  --out DIR                         assemble elsewhere, e.g. <project>/Assets/Plugins/InstantIdAvatars when the
                                    package was added by git URL (Library/PackageCache is read-only)
  --skip NAME.dll                   leave out an assembly another package of the project already provides

Run `dotnet restore InstantIdAvatars.sln` first (it fills the NuGet cache and writes project.assets.json).
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROPS = os.path.join(ROOT, "Tools~", "dotnet", "Directory.Packages.props")
ASSETS = os.path.join(ROOT, ".artifacts", "obj", "InstantIdAvatars", "project.assets.json")
MARKER = ".instantid-unity-deps"  # hidden: Unity ignores it; marks a folder this script may rebuild

# Provided by Unity itself or by a Unity package the manifest depends on; copying them would duplicate types.
PROVIDED = {
    "System.Memory": "part of Unity's .NET Standard 2.1 profile",
    "System.Buffers": "part of Unity's .NET Standard 2.1 profile",
    "System.Numerics.Vectors": "part of Unity's .NET Standard 2.1 profile",
    "System.Threading.Tasks.Extensions": "part of Unity's .NET Standard 2.1 profile",
    "Newtonsoft.Json": "com.unity.nuget.newtonsoft-json (package.json dependency)",
}

# Native ONNX Runtime per platform: NuGet runtime id -> (Plugins subfolder, importer platform).
PLATFORMS = {
    "win-x64": ("Windows/x86_64", "win64"),
    "linux-x64": ("Linux/x86_64", "linux64"),
    "osx-arm64": ("macOS/arm64", "osxarm64"),
    "android": ("Android", "android"),
}
DEFAULT_PLATFORMS = ["win-x64", "linux-x64", "osx-arm64"]

# Optional GPU builds: name -> (NuGet package, runtime id, extra (package, nuspec-dependency, file) for helpers).
GPU = {
    "cuda-linux-x64": ("Microsoft.ML.OnnxRuntime.Gpu.Linux", "linux-x64"),
    "cuda-win-x64": ("Microsoft.ML.OnnxRuntime.Gpu.Windows", "win-x64"),
    "directml-win-x64": ("Microsoft.ML.OnnxRuntime.DirectML", "win-x64"),
}
NATIVE_SKIP = (".lib", ".pdb", ".xml")


def fail(message):
    print("unity_deps: " + message, file=sys.stderr)
    sys.exit(1)


def pinned_versions():
    tree = ET.parse(PROPS)
    props = {}
    for group in tree.getroot().iter("PropertyGroup"):
        for e in group:
            props[e.tag] = (e.text or "").strip()
    pins = {}
    for e in tree.getroot().iter("PackageVersion"):
        version = re.sub(r"\$\((\w+)\)", lambda m: props[m.group(1)], e.get("Version"))
        pins[e.get("Include").lower()] = version
    return pins, props


def restored():
    """(package folder, {id: (version, [runtime dll paths])}) from the runtime project's netstandard2.1 restore."""
    if not os.path.exists(ASSETS):
        fail(f"{os.path.relpath(ASSETS, ROOT)} is missing: run `dotnet restore InstantIdAvatars.sln` first")
    with open(ASSETS, encoding="utf-8") as f:
        assets = json.load(f)
    folder = os.environ.get("NUGET_PACKAGES") or next(iter(assets["packageFolders"]))
    packages = {}
    for name, lib in assets["targets"]["netstandard2.1"].items():
        if lib.get("type") != "package":
            continue
        pid, version = name.split("/")
        path = assets["libraries"][name]["path"]
        dlls = [os.path.join(folder, path, r) for r in lib.get("runtime", {}) if r.endswith(".dll")]
        packages[pid] = (version, path, dlls)
    return folder, packages


def guid(rel):
    return hashlib.md5(("instantid-avatars:" + rel).encode("utf-8")).hexdigest()


FOLDER_META = ("fileFormatVersion: 2\nguid: {guid}\nfolderAsset: yes\nDefaultImporter:\n  externalObjects: {{}}\n"
               "  userData: \n  assetBundleName: \n  assetBundleVariant: \n")

PLUGIN_HEAD = ("fileFormatVersion: 2\nguid: {guid}\nPluginImporter:\n  externalObjects: {{}}\n  serializedVersion: 2\n"
               "  iconMap: {{}}\n  executionOrder: {{}}\n  defineConstraints: []\n  isPreloaded: 0\n  isOverridable: 0\n"
               "  isExplicitlyReferenced: {explicit}\n  validateReferences: 1\n  platformData:\n")
PLUGIN_TAIL = "  userData: \n  assetBundleName: \n  assetBundleVariant: \n"


def entry(first, enabled, settings):
    body = "{}" if not settings else "\n" + "".join(f"        {k}: {v}\n" for k, v in settings)
    if not settings:
        return f"  - first:\n      {first}\n    second:\n      enabled: {enabled}\n      settings: {{}}\n"
    return f"  - first:\n      {first}\n    second:\n      enabled: {enabled}\n      settings:{body}"


# Standalone targets and the editor OS/CPU each native platform maps to.
NATIVE_TARGETS = {
    "win64": ("Win64", "x86_64", "Windows", "x86_64"),
    "linux64": ("Linux64", "x86_64", "Linux", "x86_64"),
    "osxarm64": ("OSXUniversal", "ARM64", "OSX", "ARM64"),
}
STANDALONES = ["Linux64", "OSXUniversal", "Win", "Win64"]


def plugin_meta(rel, kind):
    """Importer settings: 'managed' = every platform and the editor; otherwise one native platform only."""
    head = PLUGIN_HEAD.format(guid=guid(rel), explicit=1 if kind == "managed" else 0)
    if kind == "managed":
        # explicitly referenced: only the asmdefs that list it (precompiledReferences) see it, so a game's own
        # copy of e.g. System.Collections.Immutable in another assembly cannot clash at compile time
        return head + entry(": Any", 0, [("Exclude Android", 0), ("Exclude Editor", 0), ("Exclude Linux64", 0),
                                         ("Exclude OSXUniversal", 0), ("Exclude Win", 0), ("Exclude Win64", 0),
                                         ("Exclude iOS", 0)]) \
            + entry("Any: ", 1, []) + entry("Editor: Editor", 1, [("DefaultValueInitialized", "true")]) + PLUGIN_TAIL
    if kind == "android":
        return head + entry(": Any", 0, [("Exclude Android", 0), ("Exclude Editor", 1), ("Exclude Linux64", 1),
                                         ("Exclude OSXUniversal", 1), ("Exclude Win", 1), ("Exclude Win64", 1),
                                         ("Exclude iOS", 1)]) \
            + entry("Android: Android", 1, []) + entry("Any: ", 0, []) \
            + entry("Editor: Editor", 0, [("DefaultValueInitialized", "true")]) + PLUGIN_TAIL
    standalone, cpu, editor_os, editor_cpu = NATIVE_TARGETS[kind]
    text = head + entry(": Any", 0, [("Exclude Android", 1), ("Exclude Editor", 0)]
                        + [(f"Exclude {s}", 0 if s == standalone else 1) for s in STANDALONES] + [("Exclude iOS", 1)])
    text += entry("Any: ", 0, [])
    text += entry("Editor: Editor", 1, [("CPU", editor_cpu), ("DefaultValueInitialized", "true"), ("OS", editor_os)])
    for s in STANDALONES:
        text += entry(f"Standalone: {s}", 1 if s == standalone else 0, [("CPU", cpu if s == standalone else "None")])
    return text + PLUGIN_TAIL


def plan(args):
    """{relative path under the output folder: (source file, importer kind)}."""
    pins, props = pinned_versions()
    folder, packages = restored()
    for pid, (version, _, _) in packages.items():
        if pid.lower() in pins and pins[pid.lower()] != version:
            fail(f"{pid} {version} was restored but Directory.Packages.props pins {pins[pid.lower()]}: "
                 "run `dotnet restore InstantIdAvatars.sln` again")
    files = {}
    for pid, (version, _, dlls) in sorted(packages.items()):
        if pid in PROVIDED:
            continue
        for dll in dlls:
            name = os.path.basename(dll)
            if name == "_._" or name in args.skip:
                continue
            files["Managed/" + name] = (dll, "managed")
    if "Microsoft.ML.OnnxRuntime.Managed" not in packages or "Microsoft.ML.OnnxRuntime" not in packages:
        fail("the runtime project's restore has no ONNX Runtime: run `dotnet restore InstantIdAvatars.sln`")
    ort_version, ort_path, _ = packages["Microsoft.ML.OnnxRuntime"]
    gpu_package, gpu_rid = GPU[args.gpu] if args.gpu else (None, None)
    for rid in args.platforms:
        sub, kind = PLATFORMS[rid]
        if rid == gpu_rid:
            source = os.path.join(folder, gpu_package.lower(), props.get("OrtVersion", ort_version), "runtimes", rid, "native")
            if not os.path.isdir(source):
                fail(f"{gpu_package} {props.get('OrtVersion', ort_version)} is not in the NuGet cache ({source}): "
                     f"run `dotnet restore \"Tools~/dotnet/UnityGpuRestore\" -p:Gpu={args.gpu}` first")
        else:
            source = os.path.join(folder, ort_path, "runtimes", rid, "native")
        if not os.path.isdir(source):
            fail(f"no native ONNX Runtime for {rid} in {source}")
        for name in sorted(os.listdir(source)):
            if name.endswith(NATIVE_SKIP) or name.endswith(".zip"):
                continue
            files[f"{sub}/{name}"] = (os.path.join(source, name), kind)
    if args.gpu == "directml-win-x64":
        files.update(directml_dll(folder, props.get("OrtVersion", ort_version)))
    return files


def directml_dll(folder, version):
    """DirectML.dll comes from Microsoft.AI.DirectML, the DirectML build's nuspec dependency."""
    nuspec = os.path.join(folder, "microsoft.ml.onnxruntime.directml", version, "microsoft.ml.onnxruntime.directml.nuspec")
    text = open(nuspec, encoding="utf-8").read() if os.path.exists(nuspec) else ""
    m = re.search(r'id="Microsoft\.AI\.DirectML"\s+version="\[?([0-9.]+)', text)
    if not m:
        fail(f"cannot find the Microsoft.AI.DirectML dependency in {nuspec}")
    dll = os.path.join(folder, "microsoft.ai.directml", m.group(1), "bin", "x64-win", "DirectML.dll")
    if not os.path.exists(dll):
        fail(f"{dll} is missing: run `dotnet restore \"Tools~/dotnet/UnityGpuRestore\" -p:Gpu=directml-win-x64`")
    return {"Windows/x86_64/DirectML.dll": (dll, "win64")}


def expected_tree(files, prefix):
    """Every file to write (with its bytes' source or text) below the output folder, metas included."""
    out = {}
    folders = set()
    for rel, (source, kind) in files.items():
        out[rel] = ("copy", source)
        out[rel + ".meta"] = ("text", plugin_meta(prefix + rel, kind))
        d = os.path.dirname(rel)
        while d:
            folders.add(d)
            d = os.path.dirname(d)
    for d in folders:
        out[d + ".meta"] = ("text", FOLDER_META.format(guid=guid(prefix + d)))
    return out


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def same(path, what):
    if not os.path.isfile(path):
        return False
    kind, value = what
    if kind == "text":
        with open(path, encoding="utf-8", newline="") as f:
            return f.read() == value
    return os.path.getsize(path) == os.path.getsize(value) and sha256(path) == sha256(value)


def existing(out_dir):
    found = set()
    for dirpath, _, filenames in os.walk(out_dir):
        for name in filenames:
            if name != MARKER:
                found.add(os.path.relpath(os.path.join(dirpath, name), out_dir).replace(os.sep, "/"))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="verify Plugins/ instead of writing it")
    parser.add_argument("--gpu", choices=sorted(GPU), help="use a GPU build of ONNX Runtime for its platform")
    parser.add_argument("--platforms", default=",".join(DEFAULT_PLATFORMS),
                        help="comma-separated NuGet runtime ids: " + ", ".join(PLATFORMS))
    parser.add_argument("--out", default=os.path.join(ROOT, "Plugins"), help="output folder (default: <package>/Plugins)")
    parser.add_argument("--skip", action="append", default=[], help="assembly file to leave out (repeatable)")
    args = parser.parse_args()
    args.platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    for p in args.platforms:
        if p not in PLATFORMS:
            fail(f"unknown platform {p}; choose from {', '.join(PLATFORMS)}")
    if args.gpu and GPU[args.gpu][1] not in args.platforms:
        args.platforms.append(GPU[args.gpu][1])

    out_dir = os.path.abspath(args.out)
    # GUIDs follow the path inside the package (Plugins/...), wherever the folder is written
    prefix = "Plugins/"
    tree = expected_tree(plan(args), prefix)
    parent_meta = out_dir + ".meta"
    parent_meta_text = FOLDER_META.format(guid=guid(prefix.rstrip("/")))

    if args.check:
        problems = []
        if not os.path.isdir(out_dir):
            fail(f"{out_dir} does not exist: run Tools~/unity-deps/unity_deps.py")
        for rel, what in sorted(tree.items()):
            if not same(os.path.join(out_dir, rel), what):
                problems.append(("missing: " if not os.path.exists(os.path.join(out_dir, rel)) else "differs: ") + rel)
        for rel in sorted(existing(out_dir) - set(tree)):
            problems.append("not expected: " + rel)
        if not same(parent_meta, ("text", parent_meta_text)):
            problems.append("missing or different: " + os.path.basename(parent_meta))
        for p in problems:
            print(p)
        print(f"{len(tree) // 2 if not problems else len(problems)} {'files up to date' if not problems else 'problems'} in {out_dir}")
        sys.exit(1 if problems else 0)

    if os.path.isdir(out_dir) and os.listdir(out_dir) and not os.path.exists(os.path.join(out_dir, MARKER)):
        fail(f"{out_dir} exists and was not written by this script; move it away or choose --out")
    stale = existing(out_dir) - set(tree) if os.path.isdir(out_dir) else set()
    for rel in sorted(stale):
        os.remove(os.path.join(out_dir, rel))
    for dirpath, dirnames, filenames in os.walk(out_dir, topdown=False):
        if dirpath != out_dir and not os.listdir(dirpath):
            os.rmdir(dirpath)
    os.makedirs(out_dir, exist_ok=True)
    open(os.path.join(out_dir, MARKER), "w").close()
    written = 0
    for rel, what in sorted(tree.items()):
        path = os.path.join(out_dir, rel)
        if same(path, what):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if what[0] == "copy":
            shutil.copyfile(what[1], path)
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(what[1])
        written += 1
    if not same(parent_meta, ("text", parent_meta_text)):
        with open(parent_meta, "w", encoding="utf-8", newline="\n") as f:
            f.write(parent_meta_text)
    size = sum(os.path.getsize(os.path.join(out_dir, r)) for r in tree)
    print(f"{written} written, {len(stale)} removed; {len(tree) // 2} files ({size / 1e6:.1f} MB) in {out_dir}")


if __name__ == "__main__":
    main()
