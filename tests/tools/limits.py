#!/usr/bin/env python3
"""limits.py DIR...: every C file under DIR is at most MAX_FILE_LINES lines and
every function at most MAX_FUNCTION_LINES: small modules and short functions
(style.limits in docs/testing.md). Prints each one over, and exits 1 if any is."""
import os
import re
import sys

MAX_FILE_LINES, MAX_FUNCTION_LINES = 800, 100
MAXF, MAXL = MAX_FILE_LINES, MAX_FUNCTION_LINES
bad=0
for root in sys.argv[1:]:
  for dp,dn,fn in os.walk(root):
    for f in fn:
      if not f.endswith(('.c','.h')): continue
      p=os.path.join(dp,f); lines=open(p,errors='replace').read().split('\n')
      if len(lines)-1>MAXF: print(f"{p}: {len(lines)-1} lines"); bad+=1
      i=0
      while i<len(lines):
        l=lines[i]
        if re.match(r'^[A-Za-z_]',l) and '(' in l:
          j=i; hdr=l
          while not re.search(r'[{;]\s*$',lines[j]) and j<i+6 and j+1<len(lines): j+=1; hdr+=lines[j]
          if hdr.rstrip().endswith('{') and '=' not in hdr.split('(')[0]:
            name=re.search(r'(\w+)\s*\(',hdr).group(1)
            k=j+1
            while k<len(lines) and not lines[k].startswith('}'): k+=1
            n=k-i+1
            if n>MAXL: print(f"{p}:{i+1}: {name}: {n} lines"); bad+=1
            i=k
        i+=1
print(f"limits: {bad} over ({MAXF} lines a file, {MAXL} a function)")
sys.exit(1 if bad else 0)
