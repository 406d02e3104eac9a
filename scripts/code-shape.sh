#!/usr/bin/env bash
# The shape of the code: the longest functions in core/ and plugins/ (name, file:line,
# length) and every core/ file over 400 lines. Exits 1 when a function is longer than 80
# lines or a core/ file longer than 400 (issue #10's bar), 0 otherwise.
#
#   scripts/code-shape.sh [--top N] [--max-function N] [--max-file N] [DIR...]   (default: core plugins)
#   scripts/code-shape.sh --self-test     # the parser against tests/code_shape/sample.cpp
#
# A function's length runs from the line of its name (a lambda's: of its '[') to its closing
# brace. The parser is a brace matcher over a token stream without comments, strings (raw
# strings included), character literals and preprocessor lines: lambdas are functions of their
# own and still count in the function around them; methods defined inside a class (nested and
# local classes too) are named Class::method; brace initialisers, enum bodies, namespaces and
# class bodies are not functions. It needs python3 only (no build, no compile_commands.json).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import os, re, sys

SPECIFIERS = {"const", "volatile", "noexcept", "override", "final", "mutable", "constexpr", "&", "&&", "try"}
CONTROL = {"if", "for", "while", "switch", "catch", "return", "sizeof", "alignof", "decltype"}
MULTI = ["<<=", ">>=", "->*", "...", "::", "->", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=",
         "%=", "&=", "|=", "^=", "<<", ">>", "++", "--", ".*"]


def tokens(text):
    """(token, line) pairs without comments, literals' contents or preprocessor lines."""
    out, i, n, line, bol = [], 0, len(text), 1, True
    while i < n:
        c = text[i]
        if c == "\n":
            line, bol, i = line + 1, True, i + 1
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if bol and c == "#":  # preprocessor line, with continuations
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    line, i = line + 1, i + 2
                    continue
                i += 1
            continue
        bol = False
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            if j < n and text[j] == '"' and word in ("R", "u8R", "uR", "UR", "LR"):
                m = re.compile(r'"([^()\\ ]{0,16})\(').match(text, j)
                close = ")" + m.group(1) + '"'
                end = text.find(close, m.end())
                end = n if end < 0 else end + len(close)
                out.append(('""', line))
                line += text.count("\n", i, end)
                i = end
                continue
            if j < n and text[j] in "\"'" and word in ("u8", "u", "U", "L"):
                i = j  # an encoding prefix: the literal follows
                continue
            out.append((word, line))
            i = j
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i + 1  # a pp-number, digit separators and exponents included
            while j < n and (text[j].isalnum() or text[j] in "._'" or (text[j] in "+-" and text[j - 1] in "eEpP")):
                j += 1
            out.append(("0", line))
            i = j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\":
                    j += 1
                if j < n and text[j] == "\n":
                    line += 1
                j += 1
            out.append(('""' if c == '"' else "''", line))
            i = j + 1
            continue
        for op in MULTI:
            if text.startswith(op, i):
                out.append((op, line))
                i += len(op)
                break
        else:
            out.append((c, line))
            i += 1
    return out


def match_back(head, k, open_, close):
    """Index of the bracket opening the one that closes at head[k]."""
    depth = 0
    for i in range(k, -1, -1):
        t = head[i][0]
        if t == close:
            depth += 1
        elif t == open_:
            depth -= 1
            if depth == 0:
                return i
    return -1


def skip_specifiers(head, k):
    """Steps back over const/noexcept(...)/override/... and a trailing return type."""
    while k >= 0:
        t = head[k][0]
        if t in SPECIFIERS:
            k -= 1
        elif t == ")":
            p = match_back(head, k, "(", ")")
            if p > 0 and head[p - 1][0] in ("noexcept", "decltype"):
                k = p - 2
            else:
                return k
        else:
            break
    # A trailing return type: "-> T" (type tokens only, no parentheses or operators).
    for j in range(k, -1, -1):
        t = head[j][0]
        if t == "->":
            return skip_specifiers(head, j - 1)
        if not (re.match(r"\w", t) or t in ("::", "<", ">", ">>", ",", "*", "&", "&&")):
            break
    return k


def strip_template(head):
    """The head without leading `template <...>` clauses and attributes."""
    i = 0
    while i < len(head):
        if head[i][0] == "template" and i + 1 < len(head) and head[i + 1][0] == "<":
            depth, j = 0, i + 1
            while j < len(head):
                t = head[j][0]
                depth += {"<": 1, ">": -1, ">>": -2}.get(t, 0)
                j += 1
                if depth <= 0:
                    break
            i = j
        elif head[i][0] == "[" and i + 1 < len(head) and head[i + 1][0] == "[":
            j = i
            while j < len(head) and not (head[j][0] == "]" and j + 1 < len(head) and head[j + 1][0] == "]"):
                j += 1
            i = j + 2
        else:
            break
    return head[i:]


def lambda_start(head):
    """The '[' of a lambda whose body opens after head, or -1."""
    k = skip_specifiers(head, len(head) - 1)
    if k < 0:
        return -1
    if head[k][0] == ")":
        p = match_back(head, k, "(", ")")
        k = p - 1
        if k >= 0 and head[k][0] == ">":  # []<class T>(T x)
            depth = 0
            while k >= 0:
                depth += {">": 1, "<": -1}.get(head[k][0], 0)
                k -= 1
                if depth == 0:
                    break
    if k >= 0 and head[k][0] == "]":
        b = match_back(head, k, "[", "]")
        # An introducer follows an operator, a comma, an opening bracket or "return", never a
        # name or a closing bracket (which would make it a subscript).
        before = head[b - 1][0] if b > 0 else ";"
        if b >= 0 and not (re.match(r"\w", before) and before != "return") and before not in (")", "]"):
            return b
    return -1


def function_name(head, p):
    """The (possibly qualified) name before the parameter list opening at head[p]."""
    k = p - 1
    if k >= 1 and head[k][0] == ")" and head[k - 1][0] == "(" and k >= 2 and head[k - 2][0] == "operator":
        parts, k = ["operator()"], k - 3
    elif k >= 0 and re.match(r"\w", head[k][0]):
        parts, k = [head[k][0]], k - 1
        if k >= 0 and head[k][0] == "~":
            parts[0], k = "~" + parts[0], k - 1
    else:
        j = k  # operator==, operator<<, ...
        while j >= 0 and head[j][0] != "operator" and not re.match(r"\w", head[j][0]):
            j -= 1
        if j < 0 or head[j][0] != "operator":
            return None, None
        parts, k = ["operator" + "".join(t for t, _ in head[j + 1:p])], j - 1
    while k >= 1 and head[k][0] == "::" and re.match(r"\w", head[k - 1][0]):
        parts.insert(0, head[k - 1][0])
        k -= 2
    return "::".join(parts), head[k + 1][1]


def top_level(head):
    """(index, token) of the tokens outside any parentheses or brackets."""
    depth = 0
    for i, (t, _) in enumerate(head):
        if t in "([":
            depth += 1
        elif t in ")]":
            depth -= 1
        elif depth == 0:
            yield i, t


def has_top_level(head, tok):
    return any(t == tok and not (i and head[i - 1][0] == "operator") for i, t in top_level(head))


def in_ctor_initializers(head):
    """head is `Name(params) : a_(x), b_{y}` so far."""
    return any(t == ":" and i and head[i - 1][0] == ")" for i, t in top_level(head))


def classify(head, scope):
    """What a '{' opens, given the tokens since the last statement boundary: (kind, name, line)."""
    b = lambda_start(head)
    if b >= 0:
        return "lambda", None, head[b][1]
    h = strip_template(head)
    first = h[0][0] if h else ""
    if scope in ("function", "expression"):
        if first in ("class", "struct", "union") and not has_top_level(h, "="):
            return "class", class_name(h), None
        return ("expression" if scope == "expression" or first == "enum" else "block"), None, None
    # Declaration scopes: file, namespace, class.
    if first == "namespace" or (first == "inline" and len(h) > 1 and h[1][0] == "namespace"):
        return "namespace", None, None
    if first == "extern" and len(h) == 2 and h[1][0] == '""':
        return "namespace", None, None
    if has_top_level(h, "="):
        return "expression", None, None
    if first in ("class", "struct", "union") or (first in ("typedef", "static", "const") and
                                                  any(t in ("class", "struct", "union") for t, _ in h[:3])):
        return "class", class_name(h), None
    if first == "enum":
        return "expression", None, None
    if in_ctor_initializers(h):
        if h[-1][0] not in (")", "}"):
            return "expression", None, None  # a member's brace initialiser
        # The body: the constructor's name is before the first parameter list.
        name, line = function_name(h, next(i for i, (t, _) in enumerate(h) if t == "("))
        return "function", name, line
    k = skip_specifiers(h, len(h) - 1)
    if k >= 0 and h[k][0] == ")":
        p = match_back(h, k, "(", ")")
        if p > 0 and h[p - 1][0] not in CONTROL:
            name, line = function_name(h, p)
            if name:
                return "function", name, line
    return "expression", None, None


def class_name(h):
    for i, (t, _) in enumerate(h):
        if t in ("class", "struct", "union"):
            parts, j = [], i + 1
            while j < len(h) and (re.match(r"\w", h[j][0]) or h[j][0] == "::"):
                if h[j][0] not in ("final", "alignas") and h[j][0] != "::":
                    parts.append(h[j][0])
                j += 1
            return "::".join(parts) or "(anonymous)"
    return "(anonymous)"


def functions(path):
    """[(qualified name, first line, last line, is_lambda)] of one file."""
    toks = tokens(open(path, encoding="utf-8", errors="replace").read())
    stack = [{"kind": "file", "head": [], "name": None}]
    found = []
    for tok, line in toks:
        top = stack[-1]
        if tok == "{":
            kind, name, start = classify(top["head"], {"file": "decl", "namespace": "decl", "class": "decl",
                                                      "function": "function", "lambda": "function",
                                                      "block": "function"}.get(top["kind"], "expression"))
            scope = {"kind": kind, "head": [], "saved": top["head"], "name": name, "start": start}
            # Names are qualified by the classes and functions around them (a method defined in its
            # class, a local class's method); an out-of-line Class::method is already qualified.
            owner = next((s["name"] for s in reversed(stack) if s["kind"] in ("class", "function")), None)
            if kind in ("class", "function") and owner and not (kind == "function" and top["kind"] == "namespace"):
                scope["name"] = owner + "::" + name
            if kind == "lambda":
                outer = next((s["name"] for s in reversed(stack) if s["kind"] in ("function", "lambda")), None)
                scope["name"] = "lambda in " + (outer or "namespace scope")
            stack.append(scope)
        elif tok == "}":
            if len(stack) == 1:
                continue  # unbalanced (a macro): keep going
            done = stack.pop()
            if done["kind"] in ("function", "lambda"):
                found.append((done["name"], done["start"], line, done["kind"] == "lambda"))
            if done["kind"] in ("lambda", "expression"):
                stack[-1]["head"] = done["saved"] + [("{", line), ("}", line)]  # the statement goes on
            else:
                stack[-1]["head"] = []
        elif tok == ";" and paren_depth(top["head"]) == 0:
            top["head"] = []
        else:
            top["head"].append((tok, line))
            if tok == ":" and top["kind"] == "class" and len(top["head"]) == 2 and \
                    top["head"][0][0] in ("public", "private", "protected"):
                top["head"] = []
    return found


def paren_depth(head):
    d = 0
    for t, _ in head:
        d += {"(": 1, ")": -1}.get(t, 0)
    return d


def source_files(dirs):
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in sorted(files):
                if f.endswith((".c", ".cc", ".cpp", ".h", ".hpp")):
                    yield os.path.join(root, f)


def self_test():
    got = {(name, end - start + 1) for name, start, end, _ in functions("tests/code_shape/sample.cpp")}
    want = set()
    for line in open("tests/code_shape/sample.cpp"):
        m = re.search(r"// expect: (.+) (\d+)$", line)
        if m:
            want.add((m.group(1), int(m.group(2))))
    if got != want:
        print("code-shape self-test FAILED")
        for x in sorted(want - got):
            print("  missing:   ", x)
        for x in sorted(got - want):
            print("  unexpected:", x)
        return 1
    print("code-shape self-test: %d functions measured as expected" % len(want))
    return 0


def main(argv):
    top, max_fn, max_file, dirs = 15, 80, 400, []
    it = iter(argv)
    for a in it:
        if a == "--self-test":
            return self_test()
        elif a == "--top":
            top = int(next(it))
        elif a == "--max-function":
            max_fn = int(next(it))
        elif a == "--max-file":
            max_file = int(next(it))
        elif a in ("-h", "--help"):
            print(open(__file__).read() if os.path.exists(__file__) else "see scripts/code-shape.sh")
            return 0
        else:
            dirs.append(a.rstrip("/"))
    dirs = dirs or ["core", "plugins"]
    measured, long_files = [], []
    for path in source_files(dirs):
        for name, start, end, is_lambda in functions(path):
            measured.append((end - start + 1, name, "%s:%d" % (path, start), is_lambda))
        lines = sum(1 for _ in open(path, encoding="utf-8", errors="replace"))
        if path.startswith("core/") and lines > max_file:
            long_files.append((lines, path))
    measured.sort(key=lambda m: (-m[0], m[2]))
    print("Longest functions in %s (lines, from the name to the closing brace):" % ", ".join(d + "/" for d in dirs))
    for length, name, where, _ in measured[:top]:
        print("  %5d  %-48s %s" % (length, name, where))
    for d in dirs:
        mine = [m for m in measured if m[2].startswith(d + "/")]
        print("%s/: %d functions, longest %d lines; %d over %d lines" %
              (d, len(mine), mine[0][0] if mine else 0, sum(1 for m in mine if m[0] > max_fn), max_fn))
    print("core/ files over %d lines:%s" % (max_file, "" if long_files else " none"))
    for lines, path in sorted(long_files, reverse=True):
        print("  %5d  %s" % (lines, path))
    too_long = [m for m in measured if m[0] > max_fn]
    if too_long or long_files:
        print("FAIL: %d functions over %d lines, %d core/ files over %d lines" %
              (len(too_long), max_fn, len(long_files), max_file))
        for length, name, where, _ in too_long:
            print("  function %s (%s) has %d lines" % (name, where, length))
        return 1
    return 0


sys.exit(main(sys.argv[1:]))
PY
