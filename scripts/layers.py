#!/usr/bin/env python3
"""layers.py - checks the kernel's includes against isokernel/LAYERS.md: prints every include that goes upward, exits 1 if any."""
import os
import re
import sys

ORDER = ['base', 'arch', 'mm', 'services', 'dev', 'core', 'net', 'top']
BASE = {'lib.c', 'lib.h', 'kprintf.c', 'kprintf.h', 'hot.h', 'page.h'}
MM = {'frame.c', 'frame.h', 'slab.c', 'slab.h'}
SERVICES = {'loop.h', 'timerq.c', 'timerq.h', 'rand.c', 'rand.h', 'tstat.c', 'tstat.h', 'vmst_io.h'}
TOP = {'main.c', 'run.c', 'run.h', 'loop.c', 'ctl.c', 'ctl_io.c', 'ctl_io.h', 'ctl_ops.c', 'ctl_ops.h',
       'ctlsrv.h', 'selftest.c', 'selftest.h', 'vmstate.c', 'vmstate.h',
       'ctl_auth.c', 'ctl_auth.h', 'ctl_tenant.c', 'ctl_tenant.h', 'service.c', 'service.h',
       'fork.c', 'fork.h', 'summon.c', 'summon.h', 'summon_lim.c', 'summon_lim.h'}
DIRS = {'arch': 'arch', 'dev': 'dev', 'net': 'net', 'crypto': 'base'}


def layer(path):
    top_dir = path.split('/')[0]
    name = os.path.basename(path)
    if top_dir in DIRS:
        return DIRS[top_dir]
    for names, lay in ((BASE, 'base'), (MM, 'mm'), (SERVICES, 'services'), (TOP, 'top')):
        if name in names:
            return lay
    return 'core'


def sources(root):
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(('.c', '.h')):
                yield os.path.relpath(os.path.join(d, f), root)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else 'isokernel'
    files = list(sources(root))
    by_name = {os.path.basename(p): p for p in files}
    bad = []
    for p in files:
        with open(os.path.join(root, p)) as f:
            text = f.read()
        for inc in re.findall(r'#\s*include\s+"([^"]+)"', text):
            t = by_name.get(os.path.basename(inc))
            if t and ORDER.index(layer(t)) > ORDER.index(layer(p)):
                bad.append(f'{p} ({layer(p)}) includes {t} ({layer(t)})')
    for b in bad:
        print('layers: upward include: ' + b)
    print(f'layers: {len(files)} files, {len(bad)} upward includes')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
