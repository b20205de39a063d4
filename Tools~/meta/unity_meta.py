#!/usr/bin/env python3
"""Writes and checks the Unity .meta files of the package (standard library only).

Unity imports every file and folder of a package except hidden ones (name starts with '.') and those
inside folders whose name ends in '~'. Each needs a .meta with a GUID that never changes, or references
break. Samples are the exception to the '~' rule: Package Manager copies the CONTENTS of Samples~/<Name>/ into
the user's Assets/ when the sample is imported, so every file and folder inside a sample folder gets a .meta
too (the sample folder itself does not: Unity creates the one it copies into). GUIDs here are derived from the path (md5 of "instantid-avatars:" + path), so they are stable
across machines and re-runs, and a moved file deliberately gets a new one.

  unity_meta.py fix     write missing .meta files, delete orphaned ones
  unity_meta.py check   exit 1 listing missing, orphaned, duplicate or malformed .meta files
"""
import hashlib
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SKIP_ROOT_NAMES = {"Tools~", "Samples~", "Documentation~"}
ROOT_FILES_WITHOUT_META = set()


SAMPLES = "Samples~"


def hidden(part):
    return part.startswith(".") or part.endswith("~")


def in_sample(rel):
    """A file or folder inside Samples~/<Name>/ (imported with its sample, so it needs a .meta)."""
    parts = rel.split("/")
    return len(parts) >= 3 and parts[0] == SAMPLES and not any(hidden(p) for p in parts[1:])


def imported(rel):
    if in_sample(rel):
        return True
    parts = rel.split("/")
    for p in parts:
        if hidden(p):
            return False
    if parts[0] in SKIP_ROOT_NAMES:
        return False
    return True


def may_hold_imported(rel_dir):
    """Folders the orphan scan walks into: imported ones, plus Samples~ and its sample folders."""
    parts = rel_dir.split("/")
    if parts[0] == SAMPLES and len(parts) <= 2:
        return not any(hidden(p) for p in parts[1:])
    return imported(rel_dir)


def tracked_and_new():
    """Files git tracks or would add (so ignored build output never gets a .meta)."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                         cwd=ROOT, capture_output=True, check=True).stdout.decode("utf-8")
    return [p for p in out.split("\0") if p and os.path.exists(os.path.join(ROOT, p))]


def assets():
    files = [f for f in tracked_and_new() if not f.endswith(".meta") and imported(f)]
    folders = set()
    for f in files:
        d = os.path.dirname(f)
        while d:
            if imported(d):
                folders.add(d)
            d = os.path.dirname(d)
    return sorted(files), sorted(folders)


def guid(rel):
    return hashlib.md5(("instantid-avatars:" + rel).encode("utf-8")).hexdigest()


def meta_text(rel, is_folder):
    g = guid(rel)
    if is_folder:
        return f"fileFormatVersion: 2\nguid: {g}\nfolderAsset: yes\nDefaultImporter:\n  externalObjects: {{}}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
    ext = os.path.splitext(rel)[1].lower()
    if ext == ".cs":
        return (f"fileFormatVersion: 2\nguid: {g}\nMonoImporter:\n  externalObjects: {{}}\n  serializedVersion: 2\n"
                "  defaultReferences: []\n  executionOrder: 0\n  icon: {instanceID: 0}\n  userData: \n"
                "  assetBundleName: \n  assetBundleVariant: \n")
    if ext == ".asmdef":
        return f"fileFormatVersion: 2\nguid: {g}\nAssemblyDefinitionImporter:\n  externalObjects: {{}}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
    if ext in (".png", ".jpg", ".jpeg"):
        return (f"fileFormatVersion: 2\nguid: {g}\nTextureImporter:\n  serializedVersion: 12\n  mipmaps:\n    enableMipMap: 0\n"
                "  isReadable: 1\n  textureType: 0\n  textureShape: 1\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n")
    if ext in (".md", ".txt", ".json", ".csv", ".xml", ".bytes", ".rsp"):
        return f"fileFormatVersion: 2\nguid: {g}\nTextScriptImporter:\n  externalObjects: {{}}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
    if ext == ".dll":
        return None  # plug-in metas carry platform settings; written by Tools~/unity-deps
    return f"fileFormatVersion: 2\nguid: {g}\nDefaultImporter:\n  externalObjects: {{}}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n"


GUID_RE = re.compile(r"^guid: ([0-9a-f]{32})$", re.M)


def run(fix):
    files, folders = assets()
    wanted = {f + ".meta": (f, False) for f in files}
    wanted.update({d + ".meta": (d, True) for d in folders})
    problems = []
    for meta, (rel, is_folder) in sorted(wanted.items()):
        path = os.path.join(ROOT, meta)
        if os.path.exists(path):
            continue
        text = meta_text(rel, is_folder)
        if text is None:
            problems.append(f"missing (write it with Tools~/unity-deps): {meta}")
        elif fix:
            tmp = path + ".tmp"
            with open(tmp, "w", newline="\n") as f:
                f.write(text)
            os.replace(tmp, path)
        else:
            problems.append(f"missing: {meta}")
    # orphans: a .meta whose asset is gone
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        dirnames[:] = [d for d in dirnames if may_hold_imported((rel_dir + "/" + d).lstrip("/"))]
        for name in filenames:
            if not name.endswith(".meta"):
                continue
            rel = (rel_dir + "/" + name).lstrip("/")
            if not imported(rel):
                continue
            asset = os.path.join(ROOT, rel[:-5])
            if not os.path.exists(asset):
                if fix:
                    os.remove(os.path.join(ROOT, rel))
                else:
                    problems.append(f"orphaned: {rel}")
    # duplicate or malformed GUIDs
    seen = {}
    for meta in wanted:
        path = os.path.join(ROOT, meta)
        if not os.path.exists(path):
            continue
        m = GUID_RE.search(open(path, encoding="utf-8").read())
        if not m:
            problems.append(f"no guid: {meta}")
            continue
        if m.group(1) in seen:
            problems.append(f"duplicate guid {m.group(1)}: {meta} and {seen[m.group(1)]}")
        seen[m.group(1)] = meta
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("fix", "check"):
        print(__doc__)
        sys.exit(2)
    sys.exit(run(sys.argv[1] == "fix"))
