#!/usr/bin/env python3
"""Generates the constant classes of dev.domus.abi from Xen's public headers.

Run once by hand (python3 hypercall-abi/tools/gen_constants.py) when the headers change;
the output is committed and then edited like any source. Values are not parsed here:
every macro or enum constant is evaluated by gcc against /usr/include/xen, so the Java
values are the C compiler's, never a transcription. Comments are the header's own (the
comment on the same line, or the block comment right above a run of definitions).
HeaderConstantsTest checks the committed classes against the headers on every build.
"""
import os, re, subprocess, sys, tempfile, html

INC = "/usr/include/xen"
OUT = os.path.join(os.path.dirname(__file__), "..", "src/main/java/dev/domus/abi")

PRELUDE = """#define __XEN_TOOLS__ 1
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <errno.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/sysctl.h>
#include <xen/domctl.h>
#include <xen/io/xs_wire.h>
#include <xen/io/xenbus.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/console.h>
"""

# class name, header(s), name pattern, class comment
SPECS = [
    ("MemoryOp", ["memory.h"], r"(XENMEM_|XENMAPSPACE_|XENMEMF_|XENMAPIDX_)\w*",
     "Sub-ops and flags of {@code __HYPERVISOR_memory_op} (XENMEM_*, XENMAPSPACE_*, XENMEMF_*)."),
    ("SchedOp", ["sched.h"], r"(SCHEDOP_|SHUTDOWN_)\w*",
     "Sub-ops of {@code __HYPERVISOR_sched_op} (SCHEDOP_*) and the shutdown reasons (SHUTDOWN_*)."),
    ("EventChannelOp", ["event_channel.h"], r"(EVTCHNOP_|EVTCHNSTAT_|EVTCHN_)\w*",
     "Sub-ops of {@code __HYPERVISOR_event_channel_op} (EVTCHNOP_*), port states (EVTCHNSTAT_*) and\n * the event-channel ABI limits."),
    ("Virq", ["xen.h"], r"(VIRQ_|NR_VIRQS)\w*",
     "Virtual interrupts a domain can bind to an event channel (VIRQ_*)."),
    ("GrantTableOp", ["grant_table.h"], r"(GNTTABOP_|GNTTAB_|_?GTF_|_?GNTMAP_|GNTST_|_?GNTCOPY_)\w*",
     "Sub-ops of {@code __HYPERVISOR_grant_table_op} (GNTTABOP_*), grant entry flags (GTF_*), mapping\n * flags (GNTMAP_*), copy flags (GNTCOPY_*) and status codes (GNTST_*)."),
    ("VcpuOp", ["vcpu.h"], r"(VCPUOP_|RUNSTATE_|VCPU_SSHOTTMR_|XEN_RUNSTATE_)\w*",
     "Sub-ops of {@code __HYPERVISOR_vcpu_op} (VCPUOP_*), runstates and timer flags."),
    ("XenVersion", ["version.h"], r"XENVER_\w*",
     "Sub-ops of {@code __HYPERVISOR_xen_version} (XENVER_*)."),
    ("ConsoleIo", ["xen.h"], r"CONSOLEIO_\w*",
     "Sub-ops of {@code __HYPERVISOR_console_io} (CONSOLEIO_*)."),
    ("Sysctl", ["sysctl.h"], r"_?XEN_SYSCTL_\w*",
     "Commands of {@code __HYPERVISOR_sysctl} (XEN_SYSCTL_*) and their flags; privileged (domid 0)."),
    ("Domctl", ["domctl.h"], r"(_?XEN_DOMCTL_|XEN_SCHEDULER_|_?XEN_DOMINF_|XEN_VCPUAFFINITY_)\w*",
     "Commands of {@code __HYPERVISOR_domctl} (XEN_DOMCTL_*), scheduler ids (XEN_SCHEDULER_*), domain\n * info flags (XEN_DOMINF_*) and the other flags of domctl.h; privileged (domid 0)."),
    ("MmuUpdate", ["xen.h"], r"(MMU_|MMUEXT_|UVMF_)\w*",
     "Commands of {@code __HYPERVISOR_mmu_update} (MMU_*), {@code mmuext_op} (MMUEXT_*) and\n * {@code update_va_mapping} flags (UVMF_*)."),
    ("XsWire", ["io/xs_wire.h"], r"(XS_|XENSTORE_)\w*",
     "The xenstore wire protocol: message types (enum xsd_sockmsg_type, XS_*), limits and the\n * ring page's constants."),
    ("XenbusState", ["io/xenbus.h"], r"XenbusState\w+",
     "The states of a split driver's front and back ends in xenstore (enum xenbus_state)."),
    ("StartInfo", ["xen.h"], r"(SIF_\w*|MAX_GUEST_CMDLINE)",
     "Flags and limits of the {@code start_info} page (SIF_*); the field offsets are\n * {@code dev.domus.abi.flyweight.StartInfoFlyweight}'s."),
    ("SharedInfo", ["arch-x86/xen.h", "xen.h"], r"(XEN_LEGACY_MAX_VCPUS|NR_EVENT_CHANNELS)",
     "Limits of the {@code shared_info} page; the field offsets are\n * {@code dev.domus.abi.flyweight.SharedInfoFlyweight}'s."),
    ("Blkif", ["io/blkif.h"], r"(BLKIF_|VDISK_)\w*",
     "The block device protocol: request operations (BLKIF_OP_*), response status (BLKIF_RSP_*),\n * limits and VDISK_* info flags."),
]

DEF = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\(?)\s*(.*)$")
ENUM_MEMBER = re.compile(r"^\s*([A-Za-z_]\w*)\s*(=\s*[^,/]+)?\s*,?\s*(/\*.*?\*/)?\s*$")


def strip_comment_markup(lines):
    out = []
    for l in lines:
        l = l.strip()
        l = re.sub(r"^/\*+", "", l)
        l = re.sub(r"\*+/$", "", l)
        l = re.sub(r"^\*\s?", "", l)
        out.append(l.strip() if len(lines) == 1 else l.rstrip())
    out = [l for l in out if not l.lstrip().startswith("`")]
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return out


def scan(header, pattern):
    """Yields (name, comment-lines, is_string) in header order."""
    path = os.path.join(INC, header)
    lines = open(path).read().split("\n")
    pat = re.compile("^" + pattern + "$")
    pending = None      # block comment just seen, for the next definition
    last_was_def = False
    in_enum = False
    in_comment = False
    comment_buf = []
    for raw in lines:
        line = raw
        if in_comment:
            comment_buf.append(line)
            if "*/" in line:
                in_comment = False
                pending = strip_comment_markup(comment_buf)
            continue
        s = line.strip()
        if s.startswith("/*") and not s.startswith("/*#") and "*/" not in s[2:]:
            in_comment = True
            comment_buf = [line]
            last_was_def = False
            continue
        if s.startswith("/*") and s.endswith("*/") and not s.startswith("/*#") and not s.startswith("/* #"):
            pending = strip_comment_markup([s])
            last_was_def = False
            continue
        if re.match(r"^\s*(typedef\s+)?enum\b.*", s) and not s.endswith(";"):
            in_enum = True
        m = DEF.match(line)
        if m:
            name, fn, rest = m.groups()
            trailing = None
            cm = re.search(r"/\*(.*?)\*/", rest)
            if cm:
                trailing = [cm.group(1).strip()]
            if pat.match(name) and not fn:
                comment = trailing or pending or []
                yield name, comment, rest.strip().startswith('"')
            pending = None if not trailing else pending
            pending = None
            last_was_def = True
            continue
        if in_enum:
            if s.startswith("}"):
                in_enum = False
                pending = None
                continue
            em = ENUM_MEMBER.match(line)
            if em and pat.match(em.group(1)):
                trailing = [em.group(3)[2:-2].strip()] if em.group(3) else None
                yield em.group(1), trailing or pending or [], False
                pending = None
                continue
        if s and not s.startswith("#"):
            pending = None


def block_comments(header):
    text = open(os.path.join(INC, header)).read()
    return [strip_comment_markup(c.split("\n")) for c in re.findall(r"/\*.*?\*/", text, re.S)]


def documented_elsewhere(name, comments):
    """The header's block comment that documents NAME ("NAME: does this"), if any."""
    for c in comments:
        if c and re.match(r"^\s*%s\s*:" % re.escape(name), c[0]):
            return c
    return None


# Comments the scanner attaches to the wrong constant.
NO_COMMENT = {"XS_RESET_WATCHES"}
OWN_COMMENT = {"XENSTORE_RING_SIZE": ["Inter-domain shared memory communications: the size of each of the",
                                      "req and rsp rings of struct xenstore_domain_interface."]}


def evaluate(names):
    """Evaluates integer constants with gcc; returns {name: value}, dropping those that fail."""
    names = list(names)
    while True:
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "c.c")
            body = PRELUDE + "int main(void) {\n"
            first = body.count("\n") + 1
            for n in names:
                body += '    printf("%%s %%lld\\n", "%s", (long long)(%s));\n' % (n, n)
            body += "    return 0;\n}\n"
            open(src, "w").write(body)
            r = subprocess.run(["gcc", "-w", "-o", os.path.join(d, "c"), src], capture_output=True, text=True)
            if r.returncode != 0:
                bad = set()
                for m in re.finditer(r"c\.c:(\d+):\d+: error", r.stderr):
                    idx = int(m.group(1)) - first
                    if 0 <= idx < len(names):
                        bad.add(names[idx])
                if not bad:
                    sys.exit(r.stderr)
                names = [n for n in names if n not in bad]
                continue
            out = subprocess.run([os.path.join(d, "c")], capture_output=True, text=True).stdout
            return {l.split()[0]: int(l.split()[1]) for l in out.splitlines()}


def evaluate_expr(expr):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "c.c")
        open(src, "w").write(PRELUDE + 'int main(void) { printf("%%lld\\n", (long long)(%s)); return 0; }\n' % expr)
        subprocess.run(["gcc", "-w", "-o", os.path.join(d, "c"), src], check=True)
        return int(subprocess.run([os.path.join(d, "c")], capture_output=True, text=True).stdout)


def javadoc(lines, indent="    "):
    esc = [html.escape(l, quote=False).replace("@", "&#64;").replace("*/", "*&#47;") for l in lines]
    if len(esc) == 1:
        return f"{indent}/** {esc[0]} */\n"
    return f"{indent}/**\n" + "".join(f"{indent} * {l}\n".replace(" \n", "\n") for l in esc) + f"{indent} */\n"


def generate(cls, headers, pattern, doc):
    entries = []
    seen = set()
    for h in headers:
        comments = block_comments(h)
        for name, comment, is_string in scan(h, pattern):
            if name in NO_COMMENT:
                comment = []
            comment = OWN_COMMENT.get(name, comment)
            if not comment:
                comment = documented_elsewhere(name, comments) or []
            if name in seen or name.startswith("__XEN_PUBLIC") or name.endswith("_H__") or name.endswith("_H"):
                continue
            seen.add(name)
            entries.append((h, name, comment, is_string))
    values = evaluate([n for (_, n, _, s) in entries if not s])
    strings = {}
    for h, n, c, s in entries:
        if s:
            m = re.search(r'#\s*define\s+%s\s+("[^"]*")' % n, open(os.path.join(INC, h)).read())
            strings[n] = m.group(1)
    hdr = ", ".join("{@code xen/include/public/%s}" % h for h in headers)
    out = ["package dev.domus.abi;\n\n",
           "/**\n * %s\n *\n * <p>Names, values and comments are Xen 4.17's, from %s\n" % (doc, hdr),
           " * (generated by {@code hypercall-abi/tools/gen_constants.py}, values evaluated by gcc against\n",
           " * the installed headers, and checked against them by {@code HeaderConstantsTest}).\n */\n",
           "public final class %s {\n\n    private %s() {\n    }\n" % (cls, cls)]
    count = 0
    out.append("\n")
    for h, n, c, s in entries:
        if n in values:
            v = values[n]
            if -2**31 <= v < 2**31:
                decl = "public static final int %s = %s;" % (n, fmt(v, 32))
            else:
                decl = "public static final long %s = %sL;" % (n, fmt(v, 64))
        elif n in strings:
            decl = "public static final String %s = %s;" % (n, strings[n])
        else:
            continue
        count += 1
        out.append("\n" if c and count > 1 else "")
        if c:
            out.append(javadoc(c))
        out.append("    " + decl + "\n")
    if cls == "Blkif":
        n = evaluate_expr("__CONST_RING_SIZE(blkif, 4096)")
        out.append("""
    /**
     * Entries in a blkif ring of one 4 KiB page: io/ring.h's
     * {@code __CONST_RING_SIZE(blkif, 4096)}. Xen names no constant for it; the name is
     * Linux xen-blkfront's {@code BLK_RING_SIZE} for a one-page ring.
     */
    public static final int BLK_RING_SIZE = %d;
""" % n)
    if cls == "XsWire":
        out.append(xsd_errors())
    out.append("}\n")
    path = os.path.join(OUT, cls + ".java")
    open(path, "w").write("".join(out))
    print(f"{cls}: {count} constants")


def xsd_errors():
    names = re.findall(r"^\s*XSD_ERROR\((\w+)\),", open(os.path.join(INC, "io/xs_wire.h")).read(), re.M)
    body = ",\n".join('            new XsdError(XenErrno.XEN_%s, "%s")' % (n, n) for n in names)
    return ("""
    /**
     * One entry of {@code xsd_errors[]}: xenstored answers a failed request with an
     * {@code XS_ERROR} message whose payload is the error's name ({@code "ENOENT"}).
     */
    public record XsdError(int errnum, String errstring) {
    }

    /**
     * The {@code xsd_errors[]} table of xs_wire.h, in the header's order (new errors are
     * only ever appended); {@code errnum} is the Xen errno of the same name.
     */
    public static final java.util.List<XsdError> XSD_ERRORS = java.util.List.of(
%s);
""" % body)


def fmt(v, bits):
    if v < 0 and v >= -4096:
        return str(v)
    if v < 0:
        v &= (1 << bits) - 1
    return ("0x%x" % v) if v > 4096 and bin(v).count("1") <= 8 or v >= 0x10000 else str(v)


if __name__ == "__main__":
    for spec in SPECS:
        generate(*spec)
