#!/usr/bin/env python3
"""The shared real sample with its 診療年月 (RE) moved to MONTH and its 請求年月 (IR) to the month after, written to OUT:
history for the KPI benchmarks (scripts/bench-kpi.sh, scripts/bench-cluster-kpi.sh).
   scripts/sample-of-month.py OUT YYYYMM"""
import os
import sys

out, month = sys.argv[1], sys.argv[2]
year, m = int(month[:4]), int(month[4:])
billed = f"{year + (m == 12):04d}{m % 12 + 1:02d}"
sample = os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'fixtures', 'external', 'receiptisan', 'RECEIPTC_GAIRAI_SAMPLE.UKE')
lines = open(sample, 'rb').read().decode('shift_jis').split('\r\n')
for i, line in enumerate(lines):
    fields = line.split(',')
    if fields[0] == 'IR': fields[7] = billed
    if fields[0] == 'RE': fields[3] = month
    lines[i] = ','.join(fields)
open(out, 'wb').write('\r\n'.join(lines).encode('shift_jis'))
