#!/usr/bin/env python3
"""Compares vigil's Windows headers with mingw-w64's, name by name (tests/test_win_headers.sh).

The SDK's names come from mingw-w64's winsock2.h, ws2def.h, ws2tcpip.h, ws2ipdef.h, mstcpip.h,
mswsock.h and the psdk_inc pieces winsock2.h is split into: macros from the preprocessor
(x86_64-w64-mingw32-gcc -E -dD), typedefs, struct/union tags, enum constants and functions from
clang's AST of the same headers for x86_64-w64-mingw32.

For every name vigil defines too, an expression is written per thing to compare: a constant's
value; sizeof, and the offset and size of every member, of a struct; sizeof and signedness of
a typedef. They are evaluated natively against vigil's headers (compiled and run), and the
results become _Static_asserts that x86_64-w64-mingw32-gcc checks against mingw's headers.
Function signatures (and function-pointer typedefs) are checked the other way round: the SDK's
declaration, spelled with the SDK's own type names, must be compatible
(__builtin_types_compatible_p) with vigil's when those names are read through vigil's headers.
That is source compatibility: a parameter the SDK spells `long` is `long` on both sides (a
program passes the same expression), while u_long, DWORD, LONG and the structs are compared by
size, so LLP64's 32-bit long shows wherever vigil got a width wrong. Pointers are 8 bytes on both.

Output: the names that differ (exit 1 if any), then the names still missing (not a failure).
--missing-md writes the missing list as Markdown for the README."""
import argparse
import json
import os
import shutil
import re
import subprocess
import sys
import tempfile

SDK_FILES = {"winsock2.h", "ws2def.h", "ws2tcpip.h", "ws2ipdef.h", "mstcpip.h", "mswsock.h",
             "inaddr.h", "_bsd_types.h", "_socket_types.h", "_fd_types.h", "_ip_types.h", "_wsadata.h",
             "_wsa_errnos.h", "_ip_mreq1.h", "_xmitfile.h"}
SDK_INCLUDES = ["winsock2.h", "ws2tcpip.h", "mstcpip.h", "mswsock.h"]
OUR_INCLUDES = ["windows.h", "winsock2.h", "ws2def.h", "ws2tcpip.h", "mstcpip.h", "mswsock.h"]
# Differences vigil keeps on purpose, each with its reason (printed, not a failure).
TIMEVAL_WHY = ("struct timeval is the C library's (tv_sec and tv_usec are long: 8 bytes on LP64 "
               "Linux, 4 on Win64); a second definition would clash with glibc's")
ACCEPTED = {"TIMEVAL": TIMEVAL_WHY, "PTIMEVAL": TIMEVAL_WHY, "LPTIMEVAL": TIMEVAL_WHY,
            "struct timeval": TIMEVAL_WHY,
            "select": "mingw-w64 declares its timeout `const PTIMEVAL` (a const pointer to a "
                      "mutable timeval); the Windows SDK's winsock2.h has `const timeval *`, "
                      "which vigil follows"}
# mingw-only spellings of SDK types, for reading the SDK's declarations through vigil's headers.
MINGW_SPELLINGS = "#define WINBOOL BOOL\n"


def sdk_file(path):
    return path is not None and os.path.basename(path) in SDK_FILES


def is_guard(name, body):
    return body.strip() == "" and (name.startswith("_") or name.endswith("_H"))


def sdk_macros(gcc, tmp):
    """{name: (function_like, body)} for macros defined in the SDK's files."""
    src = os.path.join(tmp, "sdk_macros.c")
    with open(src, "w") as f:
        f.write("#define WIN32_LEAN_AND_MEAN\n" + "".join("#include <%s>\n" % h for h in SDK_INCLUDES))
    out = subprocess.run([gcc, "-E", "-dD", src], capture_output=True, text=True, check=True).stdout
    macros, cur = {}, None
    for line in out.splitlines():
        m = re.match(r'# \d+ "([^"]*)"', line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"#define (\w+)(\()?\s?(.*)", line)
        if m and sdk_file(cur):
            name, fn, body = m.group(1), m.group(2) is not None, m.group(3)
            if not is_guard(name, body) and not name.startswith("__MINGW"):
                macros[name] = (fn, body, os.path.basename(cur))
        m = re.match(r"#undef (\w+)", line)
        if m and sdk_file(cur):
            macros.pop(m.group(1), None)
    return macros


class Ast:
    """The declarations of clang's JSON AST, each with the file it is in."""

    def __init__(self, clang, tmp):
        src = os.path.join(tmp, "sdk_ast.c")
        with open(src, "w") as f:
            f.write("#define WIN32_LEAN_AND_MEAN\n" + "".join("#include <%s>\n" % h for h in SDK_INCLUDES))
        out = subprocess.run([clang, "--target=x86_64-w64-mingw32", "-fsyntax-only", "-Xclang",
                              "-ast-dump=json", src], capture_output=True, check=True).stdout
        root = json.loads(out)
        del out
        self.cur = None
        self.decls = []          # (node, file)
        self.by_id = {}
        for node in root["inner"]:
            self._track(node.get("loc", {}))
            file = self.cur
            self._walk(node)
            self.decls.append((node, file))
        self.records = {}        # tag name -> node (complete definitions)
        self.typedefs = {}       # name -> node
        for node, _ in self.decls:
            if node["kind"] == "RecordDecl" and node.get("completeDefinition") and node.get("name"):
                self.records[node["name"]] = node
            if node["kind"] == "TypedefDecl":
                self.typedefs[node["name"]] = node

    def _track(self, loc):
        if "expansionLoc" in loc:
            self._track(loc["spellingLoc"])
            self._track(loc["expansionLoc"])
        elif "file" in loc:
            self.cur = loc["file"]

    def _walk(self, obj):
        if isinstance(obj, dict):
            if "id" in obj and "kind" in obj:
                self.by_id[obj["id"]] = obj
            if "file" in obj:
                self.cur = obj["file"]
            for k, v in obj.items():
                if k == "includedFrom":
                    continue
                self._walk(v)
        elif isinstance(obj, list):
            for v in obj:
                self._walk(v)

    def record_of(self, node):
        """The record a typedef names directly (not through a pointer), or None."""
        qt = node["type"].get("desugaredQualType", node["type"]["qualType"])
        if not re.match(r"^(struct|union) ", qt) or "*" in qt or "[" in qt or "(*)" in qt:
            return None
        stack = [node]
        while stack:
            n = stack.pop()
            if n.get("kind") == "RecordType":
                d = self.by_id.get(n["decl"]["id"])
                if d and d.get("inner"):
                    return d
                return self.records.get(n["decl"].get("name"))
            stack.extend(reversed(n.get("inner", [])))
        return None


def members(ast, rec, prefix=""):
    """Member designators of a record: anonymous members' fields are reached directly, and an
    unnamed struct or union member's fields through it."""
    out = []
    inner = rec.get("inner", [])
    pending = {}
    for n in inner:
        if n["kind"] == "RecordDecl":
            pending[n["id"]] = n
        if n["kind"] != "FieldDecl":
            continue
        qt = n["type"]["qualType"]
        sub = None
        m = re.search(r"(struct|union) (\w+::)?\((unnamed|anonymous)\b", qt)
        if m:
            sub = next((r for r in pending.values() if r.get("inner")), None)
            if sub:
                pending = {k: v for k, v in pending.items() if v is not sub}
        if "isBitfield" in n:
            continue
        name = n.get("name")
        if not name:
            if sub:
                out.extend(members(ast, sub, prefix))
            continue
        out.append(prefix + name)
        if sub and "*" not in qt and "[" not in qt:
            out.extend(members(ast, sub, prefix + name + "."))
    return out


def strip_attrs(t):
    return re.sub(r"__attribute__\(\(\w+\)\)", "", t).strip()


def pointer_to(fn_type):
    """'int (SOCKET, long)' -> 'int (*)(SOCKET, long)'."""
    m = re.match(r"^(.*?)\s*\((.*)\)$", fn_type)
    return "%s (*)(%s)" % (m.group(1), m.group(2)) if m else None


class Names:
    def __init__(self, macros, ast):
        self.kind = {}           # name -> 'macro' | 'fnmacro' | 'typedef' | 'tag' | 'function' | 'enum' | 'var'
        self.items = {}          # name -> [(label, our_expr, sdk_expr)]
        self.sigs = {}           # name -> SDK pointer type spelled with SDK names
        self.origin = {}         # name -> the SDK file defining it
        self.ast = ast
        for node, file in ast.decls:
            if not sdk_file(file):
                continue
            k = node["kind"]
            name = node.get("name")
            where = os.path.basename(file)
            if k == "RecordDecl" and name:
                self.origin["%s %s" % (node["tagUsed"], name)] = where
            elif name:
                self.origin[name] = where
            if k == "TypedefDecl":
                self.add_typedef(name, node)
            elif k == "RecordDecl" and name and node.get("completeDefinition"):
                self.add_record("%s %s" % (node["tagUsed"], name), node)
            elif k == "FunctionDecl":
                self.kind[name] = "function"
                self.sigs[name] = pointer_to(strip_attrs(node["type"]["qualType"]))
            elif k == "VarDecl":
                self.kind[name] = "var"
            elif k == "EnumDecl":
                for c in node.get("inner", []):
                    if c["kind"] == "EnumConstantDecl":
                        self.kind[c["name"]] = "enum"
                        self.origin[c["name"]] = where
                        self.items[c["name"]] = [("value", "(long long)(%s)" % c["name"], None)]
        for name, (fn, body, where) in macros.items():
            self.origin[name] = where
            if fn:
                self.kind[name] = "fnmacro"
                continue
            m = re.match(r"^__MINGW_NAME_(?:AW|UAW|AW_EXT)\((\w+)\)", body)
            alias = m.group(1) + "A" if m else body.strip()
            self.kind[name] = "macro"
            if alias in self.sigs:                    # WSASocket -> WSASocketA
                self.kind[name] = "function"
                self.sigs[name] = self.sigs[alias]
            elif alias in ast.typedefs:               # WSAOVERLAPPED -> OVERLAPPED
                self.add_typedef(name, ast.typedefs[alias])
            else:
                self.items[name] = [("value", "(long long)(%s)" % name, None)]

    def add_typedef(self, name, node):
        self.kind[name] = "typedef"
        qt = strip_attrs(node["type"]["qualType"])
        if "(*)" in qt:
            self.sigs[name] = qt
            return
        its = [("sizeof", "(long long)sizeof(%s)" % name, None),
               ("signed", "(long long)((%s)-1 < (%s)0)" % (name, name), None)]
        if qt.endswith("*"):
            its.append(("sizeof *", "(long long)sizeof(*(%s)0)" % name, None))
        rec = self.ast.record_of(node)
        if rec:
            its += self.member_items(name, rec)
        self.items[name] = its

    def add_record(self, tag, node):
        self.kind[tag] = "tag"
        self.items[tag] = [("sizeof", "(long long)sizeof(%s)" % tag, None)] + self.member_items(tag, node)

    def member_items(self, t, rec):
        its = []
        for m in members(self.ast, rec):
            its.append(("offsetof(%s)" % m, "(long long)offsetof(%s, %s)" % (t, m), None))
            its.append(("sizeof(.%s)" % m, "(long long)sizeof(((%s *)0)->%s)" % (t, m), None))
        return its


def existence_probe(name, kind, i):
    if kind in ("macro", "fnmacro", "enum"):
        return None                                   # #ifdef
    if kind == "tag":                                 # defined, not only declared
        return "char vg_exists%d[sizeof(%s)];" % (i, name)
    if kind == "typedef":
        return "%s *vg_exists%d;" % (name, i)
    return "__typeof__(&%s) *vg_exists%d;" % (name, i)  # function, var


def compile_lines(cc, flags, header, lines, tmp, tag, link=False, footer=""):
    """Compiles header + one line per entry; returns the set of indexes whose line failed
    (dropping failed lines and retrying until the rest compiles)."""
    bad = set()
    for _ in range(8):
        src = os.path.join(tmp, tag + ".c")
        first = header.count("\n") + 1
        with open(src, "w") as f:
            f.write(header)
            for i, l in enumerate(lines):
                f.write(("/* dropped */" if i in bad else l) + "\n")
            f.write(footer)
        exe = os.path.join(tmp, tag)
        cmd = [cc] + flags + ([src, "-o", exe] if link else ["-fsyntax-only", src])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode == 0:
            return bad, exe
        new = set()
        for m in re.finditer(r"^[^:\n]*%s\.c:(\d+):\d+: error" % re.escape(tag), r.stderr, re.M):
            i = int(m.group(1)) - first
            if 0 <= i < len(lines):
                new.add(i)
        if not new - bad:
            sys.stderr.write(r.stderr)
            raise SystemExit("cannot compile %s.c" % tag)
        bad |= new
    raise SystemExit("cannot compile %s.c" % tag)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--include", required=True, help="vigil's include folder")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--mingw", default="x86_64-w64-mingw32-gcc")
    ap.add_argument("--clang", default="clang")
    ap.add_argument("--missing-md")
    ap.add_argument("--keep", action="store_true", help="keep the generated files (printed)")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="vg-winhdr-")
    try:
        return compare(a, tmp)
    finally:
        if a.keep:
            print("generated files in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def compare(a, tmp):
    names = Names(sdk_macros(a.mingw, tmp), Ast(a.clang, tmp))
    all_names = sorted(names.kind)

    ours_hdr = "#include <stddef.h>\n#include <stdio.h>\n" + "".join(
        "#include <%s>\n" % h for h in OUR_INCLUDES) + MINGW_SPELLINGS
    our_flags = ["-std=gnu11", "-w", "-I", a.include, "-I", os.path.join(a.include, "vigil", "win")]

    # 1. Which names vigil defines: a macro by #ifdef (turned into a line that fails to compile
    #    when it is not defined), anything else by a declaration that needs it.
    lines, macro_tests = [], ""
    for i, n in enumerate(all_names):
        p = existence_probe(n, names.kind[n], i)
        if p is None:
            macro_tests += "#ifdef %s\n#define vg_defined%d 1\n#else\n#define vg_defined%d 0\n#endif\n" % (n, i, i)
            p = '_Static_assert(vg_defined%d, "");' % i
        lines.append(p)
    bad, _ = compile_lines(a.cc, our_flags, ours_hdr + macro_tests, lines, tmp, "exists")
    present = {n for i, n in enumerate(all_names) if i not in bad}

    # 2. Values against vigil's headers (compiled and run natively).
    items = [(n, lab, e) for n in all_names if n in present for lab, e, _ in names.items.get(n, [])]
    sdk_lines = ['_Static_assert((%s) == (%s), "");' % (e, e) for _, _, e in items]
    sdk_flags = ["-std=gnu11", "-w"]
    sdk_hdr = "#define WIN32_LEAN_AND_MEAN\n#include <stddef.h>\n" + "".join(
        "#include <%s>\n" % h for h in SDK_INCLUDES)
    sdk_bad, _ = compile_lines(a.mingw, sdk_flags, sdk_hdr, sdk_lines, tmp, "sdk_valid")
    items = [it for i, it in enumerate(items) if i not in sdk_bad]
    our_lines = ["static const long long v%d = %s;" % (i, e) for i, (_, _, e) in enumerate(items)]
    footer = "int main(void) {\n" + "".join(
        '#ifdef VG_HAVE_%d\n printf("%d %%lld\\n", v%d);\n#endif\n' % (i, i, i)
        for i in range(len(items))) + " return 0;\n}\n"
    our_bad, _ = compile_lines(a.cc, our_flags, ours_hdr, our_lines, tmp, "ours_probe")
    defs = "".join("#define VG_HAVE_%d\n" % i for i in range(len(items)) if i not in our_bad)
    _, exe = compile_lines(a.cc, our_flags, ours_hdr + defs, [l if i not in our_bad else ""
                                                            for i, l in enumerate(our_lines)],
                           tmp, "ours_values", link=True, footer=footer)
    values = {}
    for line in subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split("\n"):
        if line:
            i, v = line.split()
            values[int(i)] = int(v)
    differ = {}
    for i in our_bad:
        n, lab, e = items[i]
        differ.setdefault(n, []).append("%s: not in vigil's" % lab)
    # 3. The asserts, against mingw's headers.
    idx = sorted(values)
    asserts = ['_Static_assert((%s) == (%dLL), "");' % (items[i][2], values[i]) for i in idx]
    failed, _ = compile_lines(a.mingw, sdk_flags, sdk_hdr, asserts, tmp, "sdk_asserts")
    for j in failed:
        n, lab, e = items[idx[j]]
        differ.setdefault(n, []).append("%s: vigil %d" % (lab, values[idx[j]]))

    # 4. Signatures, read through vigil's headers.
    # A bare `long` the SDK spells may be read as LLP64's (32 bits) or as the host's: either way
    # every value a Windows program passes fits, and a 32-bit result compares as on Windows.
    sig_names = [n for n in all_names if n in present and names.sigs.get(n)]
    sig_lines = []
    for n in sig_names:
        t = names.sigs[n]
        ours = n if names.kind[n] == "typedef" else "__typeof__(&%s)" % n
        t32 = re.sub(r"\blong\b(?!\s+long)(?<!long long)", "int", t)
        sig_lines.append('_Static_assert(__builtin_types_compatible_p(%s, %s) || '
                         '__builtin_types_compatible_p(%s, %s), "");' % (ours, t, ours, t32))
    sbad, _ = compile_lines(a.cc, our_flags, ours_hdr, sig_lines, tmp, "signatures")
    for j in sbad:
        differ.setdefault(sig_names[j], []).append("signature: the SDK's is %s" % names.sigs[sig_names[j]])
    accepted = {}
    for n in list(differ):
        if n in ACCEPTED:
            accepted[n] = differ.pop(n)

    missing = [n for n in all_names if n not in present]
    compared = {items[i][0] for i in values} | set(sig_names)
    print("%d SDK names, %d in vigil, %d differ, %d missing" %
          (len(all_names), len(present), len(differ), len(missing)))
    for f in sorted({names.origin.get(n, "?") for n in all_names}):
        ns = [n for n in all_names if names.origin.get(n, "?") == f]
        print("  %s: %d names, %d in vigil" % (f, len(ns), len([n for n in ns if n in present])))
    unc = [n for n in all_names if n in present and n not in compared and n not in differ]
    print("in vigil with nothing comparable (function-like macros, strings, GUID initialisers, "
          "types named through macros): %d: %s" % (len(unc), " ".join(unc)))
    for n in sorted(accepted):
        print("accepted %s: %s (%s)" % (n, "; ".join(accepted[n]), ACCEPTED[n]))
    for n in sorted(differ):
        print("DIFFERS %s: %s" % (n, "; ".join(differ[n])))
    for n in missing:
        print("missing %s (%s)" % (n, names.kind[n]))
    if a.missing_md:
        kinds = [("function", "Functions"), ("macro", "Constants and macros"),
                 ("enum", "Constants and macros"), ("fnmacro", "Function-like macros"),
                 ("typedef", "Types"), ("tag", "Struct and union tags"), ("var", "Variables")]
        with open(a.missing_md, "w") as f:
            f.write("# Windows SDK names vigil does not define yet\n\n"
                    "Generated by `python3 tests/win_headers_compare.py --include include "
                    "--missing-md docs/winsdk-missing.md` from mingw-w64's winsock2.h, ws2def.h, "
                    "ws2tcpip.h, ws2ipdef.h, mstcpip.h and mswsock.h: %d of %d names are "
                    "missing (IPv6 names arrive with the IPv6 issue).\n" % (len(missing), len(all_names)))
            done = set()
            for k, title in kinds:
                if title in done:
                    continue
                done.add(title)
                ks = {kk for kk, t in kinds if t == title}
                group = [n for n in missing if names.kind[n] in ks]
                f.write("\n## %s (%d)\n\n" % (title, len(group)))
                f.write(" ".join("`%s`" % n for n in group) + "\n")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
